#include "daemon/app/status_publisher.hpp"

#include <nlohmann/json.hpp>

#include "adapters/sensors/mqtt_broker_keys.hpp"
#include "daemon/core/log.hpp"
#include "web/api/status_json.hpp"

namespace hashsink::app {
namespace {

using nlohmann::json;

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json status_summary(const loop::LoopStatus& st, TimePoint now) {
    const auto& d = st.decision;
    int online = 0, running = 0;
    for (const auto& m : st.miners) {
        online += m.online ? 1 : 0;
        running += m.target.run ? 1 : 0;
    }
    json readings = json::object();
    for (const auto& s : st.sources) {
        json values = json::object();
        for (const auto& [name, r] : s.readings)
            values[name] = r.fresh_at(now) ? json(r.value) : json(nullptr);
        readings[s.id] = {{"ok", s.ok}, {"values", values}};
    }
    return {{"tick", st.tick},
            {"time", iso8601(st.at)},
            {"policy", d.policy},
            {"budget_w", d.budget_w},
            {"fail_safe", d.fail_safe},
            {"hold", d.hold},
            {"shed", d.shed},
            {"emergency", d.emergency},
            {"reason", d.reason},
            {"planned_w", st.planned_w},
            {"measured_w", st.measured_w},
            {"heat_floor_w", sum_of(d.miner_floor_w)},
            {"miners", st.miners.size()},
            {"miners_online", online},
            {"miners_running", running},
            {"sources", readings}};
}

json miner_summary(const loop::MinerStatus& m) {
    const MinerState* s = m.online && m.state ? &*m.state : nullptr;
    return {{"id", m.id},
            {"driver", m.driver},
            {"online", m.online},
            {"state", s ? to_string(s->state) : "offline"},
            {"run", m.target.run},
            {"target_w", m.target.run ? m.target.power_w : 0.0},
            {"target_applied", m.target_applied},
            {"power_w", s ? opt(s->power_w) : json(nullptr)},
            {"hashrate_ths", s ? opt(s->hashrate_ths) : json(nullptr)},
            {"chip_temp_c", s ? opt(s->chip_temp_c) : json(nullptr)},
            {"reason", m.reason},
            {"last_error", m.last_error},
            {"consecutive_failures", m.consecutive_failures}};
}

}  // namespace

const Settings<PublishConfig>& publish_settings() {
    static const auto settings =
        Settings<PublishConfig>{}
            .bind(&PublishConfig::enabled,
                  {.name = "enabled", .doc = "publish the status over MQTT", .fallback = false})
            .bind(&PublishConfig::prefix,
                  {.name = "prefix",
                   .doc = "topic prefix: <prefix>/status, <prefix>/miner/<id>, <prefix>/zone/<id>",
                   .fallback = std::string("hashsink/site1"),
                   .check = sensors::mqtt::check_topic})
            .bind(&PublishConfig::interval, {.name = "interval",
                                             .doc = "how often the status is published",
                                             .unit = "s",
                                             .fallback = Duration{10000},
                                             .min = 1,
                                             .max = 3600})
            .bind(&PublishConfig::retain,
                  {.name = "retain",
                   .doc = "publish retained, so a new subscriber sees the latest status at once",
                   .fallback = true})
            .bind(&PublishConfig::qos,
                  {.name = "qos",
                   .doc = "MQTT QoS of the published messages (0: at most once, 1: at least once)",
                   .fallback = std::int64_t{0},
                   .min = 0,
                   .max = 1})
            .nest(&PublishConfig::broker, sensors::mqtt::broker_settings());
    return settings;
}

KeyTable publish_keys() { return publish_settings().keys(); }

PublishConfig publish_config_from(const Options& options) {
    PublishConfig c = publish_settings().from(options);
    while (!c.prefix.empty() && c.prefix.back() == '/') c.prefix.pop_back();
    return c;
}

std::vector<transport::OutgoingMessage> status_messages(const loop::LoopStatus& st,
                                                        const PublishConfig& c, TimePoint now) {
    std::vector<transport::OutgoingMessage> out;
    out.reserve(1 + st.miners.size() + st.decision.report.heat_zones.size());
    out.push_back({c.prefix + "/status", web::json_text(status_summary(st, now)), c.qos, c.retain});
    // Ids are letters, digits, '_', '-' and '.' (the loader checks): safe as topic levels.
    for (const auto& m : st.miners)
        out.push_back(
            {c.prefix + "/miner/" + m.id, web::json_text(miner_summary(m)), c.qos, c.retain});
    for (const auto& z : st.decision.report.heat_zones)
        out.push_back(
            {c.prefix + "/zone/" + z.id, web::json_text(web::heat_zone_json(z)), c.qos, c.retain});
    return out;
}

StatusPublisher::StatusPublisher(PublishConfig config, const loop::StatusBoard& board,
                                 const Clock& clock, std::size_t expected_messages,
                                 loop::Recorder& recorder)
    : config_(std::move(config)), board_(board), clock_(clock), recorder_(recorder) {
    const std::string ctx = "publish " + config_.prefix + ": ";
    if (config_.prefix.empty()) {
        setup_ = Status::error(ErrorCode::invalid, ctx + "prefix is empty", false);
        return;
    }
    if (config_.broker.status_topic == config_.prefix + "/status") {
        setup_ = Status::error(ErrorCode::invalid,
                               ctx + "status_topic (availability) is also the summary topic " +
                                   config_.prefix + "/status; set another prefix or status_topic",
                               false);
        return;
    }
    auto client = transport::shared_mqtt_client(config_.broker);
    if (!client) {
        setup_ = client.error();
        setup_.message = ctx + setup_.message;
        return;
    }
    client_ = *client;
    queue_ = std::make_unique<transport::MqttPublishQueue>(
        client_, 2 * (expected_messages + 1), "publish", [this](const Status& st) {
            {
                std::lock_guard lock(health_mutex_);
                health_ = st;
            }
            if (st.ok())
                recorder_.event(clock_.now(), Severity::info, "publish.resumed", "publish",
                                "publishing again");
            else
                recorder_.event(clock_.now(), Severity::warning, "publish.failing", "publish",
                                st.message);
        });
    timer_ = std::thread([this] { run(); });
}

StatusPublisher::~StatusPublisher() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (timer_.joinable()) timer_.join();
}

void StatusPublisher::run() {
    std::uint64_t last_tick = 0;
    bool first = true;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        lock.unlock();
        auto st = board_.latest();
        if (st && (first || st->tick != last_tick)) {
            try {
                for (auto& m : status_messages(*st, config_, clock_.now()))
                    queue_->push(std::move(m));
                last_tick = st->tick;
                first = false;
            } catch (const std::exception& e) {
                log::error("publish", std::string("status: ") + e.what());
            }
        }
        lock.lock();
        // Until the first status, look again soon; then every interval.
        wake_.wait_for(
            lock, first ? std::min<Duration>(config_.interval, Duration{200}) : config_.interval,
            [this] { return stopping_; });
    }
}

Status StatusPublisher::health() const {
    if (!setup_.ok()) return setup_;
    std::lock_guard lock(health_mutex_);
    return health_;
}

transport::PublishCounters StatusPublisher::counters() const {
    return queue_ ? queue_->counters() : transport::PublishCounters{};
}

}  // namespace hashsink::app
