#include "daemon/app/status_publisher.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "adapters/sensors/mqtt_broker_keys.hpp"
#include "daemon/app/fleet_command.hpp"
#include "daemon/app/home_assistant.hpp"
#include "daemon/core/log.hpp"
#include "web/api/status_json.hpp"

namespace hashsink::app {
namespace {

using nlohmann::json;

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

// One word for the site's state (a Home Assistant enum).
const char* site_state(const Decision& d, int running) {
    if (d.emergency) return "emergency";
    if (d.fail_safe) return "fail_safe";
    if (d.shed) return "shed";
    return running > 0 ? "running" : "idle";
}

json fresh_value(const loop::LoopStatus& st, std::string_view signal, TimePoint now) {
    for (const auto& s : st.sources)
        for (const auto& [name, r] : s.readings)
            if (name == signal && r.fresh_at(now)) return r.value;
    return nullptr;
}

json energy_json(const loop::EnergyTotals& e) {
    return {{"since", e.since == TimePoint{} ? json(nullptr) : json(iso8601(e.since))},
            {"miners_kwh", e.miners_kwh},
            {"surplus_kwh", e.surplus_kwh},
            {"import_kwh", e.import_kwh},
            {"revenue", e.revenue}};
}

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
            {"site_limit_w", opt(st.site_limit_w)},
            {"heat_floor_w", sum_of(d.miner_floor_w)},
            {"miners", st.miners.size()},
            {"miners_online", online},
            {"miners_running", running},
            {"state", site_state(d, running)},
            {"solar_w", fresh_value(st, signal::kPvAcPowerW, now)},
            {"grid_w", fresh_value(st, signal::kGridPowerW, now)},
            {"override", st.manual ? to_string(st.manual->mode) : "auto"},
            {"override_until", st.manual ? json(iso8601(st.manual->until)) : json(nullptr)},
            {"energy", energy_json(st.energy)},
            {"sources", readings}};
}

json efficiency(const MinerState* s) {
    if (!s || !s->power_w || !s->hashrate_ths || !(*s->hashrate_ths > 0)) return nullptr;
    return *s->power_w / *s->hashrate_ths;
}

json miner_summary(const loop::MinerStatus& m, int override_minutes) {
    const MinerState* s = m.online && m.state ? &*m.state : nullptr;
    const auto& c = m.command;
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
            {"efficiency_jth", efficiency(s)},
            {"enabled", c.enabled},
            {"max_power_w", c.max_power_w > 0 ? c.max_power_w : m.max_power_w},
            {"override", c.manual ? to_string(c.manual->mode) : "auto"},
            {"override_until", c.manual ? json(iso8601(c.manual->until)) : json(nullptr)},
            {"override_minutes", override_minutes},
            {"reason", m.reason},
            {"last_error", m.last_error},
            {"consecutive_failures", m.consecutive_failures}};
}

std::string check_node_id(const OptionValue& value) {
    const auto* text = std::get_if<std::string>(&value);
    if (text == nullptr) return "";
    for (char c : *text)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
            return "use letters, digits, '_' and '-' only";
    return "";
}

std::string check_currency(const OptionValue& value) {
    const auto* text = std::get_if<std::string>(&value);
    if (text == nullptr || text->empty()) return "";
    if (text->size() != 3 ||
        !std::all_of(text->begin(), text->end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
        return "expected a three-letter ISO 4217 code such as \"EUR\"";
    return "";
}

std::string check_site_id(const OptionValue& value) {
    const auto* text = std::get_if<std::string>(&value);
    if (text == nullptr || text->empty()) return "";
    return site_id_error(*text).value_or("");
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
            .bind(&PublishConfig::home_assistant,
                  {.name = "home_assistant",
                   .doc = "announce the site, its miners and zones to Home Assistant (MQTT "
                          "discovery)",
                   .fallback = false})
            .bind(&PublishConfig::discovery_prefix, {.name = "discovery_prefix",
                                                     .doc = "Home Assistant's discovery prefix",
                                                     .fallback = std::string("homeassistant"),
                                                     .check = sensors::mqtt::check_topic})
            .bind(&PublishConfig::node_id,
                  {.name = "node_id",
                   .doc = "this site's id in Home Assistant (letters, digits, '_', '-'); unique "
                          "ids are made from it, so keep it once set; empty: from the prefix",
                   .fallback = std::string(),
                   .check = check_node_id})
            .bind(&PublishConfig::currency,
                  {.name = "currency",
                   .doc = "ISO 4217 code of the hashprice's currency (e.g. \"USD\"), the unit of "
                          "the hash revenue counter; empty: no unit",
                   .fallback = std::string(),
                   .check = check_currency})
            .bind(&PublishConfig::control,
                  {.name = "control",
                   .doc = "take commands on <prefix>/.../set topics (miner enabled, max_power_w, "
                          "override; the site's override); anyone who may publish to those "
                          "topics controls the site",
                   .fallback = false})
            .bind(&PublishConfig::fleet_commands,
                  {.name = "fleet_commands",
                   .doc = "take this site's share of a fleet's curtailment from fleet_topic as a "
                          "site limit, acknowledged on <prefix>/fleet/ack (docs/fleet.md)",
                   .fallback = false})
            .bind(&PublishConfig::fleet_topic, {.name = "fleet_topic",
                                                .doc = "the fleet's command topic",
                                                .fallback = std::string("hashsink/fleet/command"),
                                                .check = sensors::mqtt::check_topic})
            .bind(&PublishConfig::site_id,
                  {.name = "site_id",
                   .doc = "this site's id in the fleet's commands (letters, digits, '_', '-', "
                          "'.'); empty: the prefix's last level",
                   .fallback = std::string(),
                   .check = check_site_id})
            .nest(&PublishConfig::broker, sensors::mqtt::broker_settings());
    return settings;
}

KeyTable publish_keys() { return publish_settings().keys(); }

PublishConfig publish_config_from(const Options& options) {
    PublishConfig c = publish_settings().from(options);
    while (!c.prefix.empty() && c.prefix.back() == '/') c.prefix.pop_back();
    while (!c.discovery_prefix.empty() && c.discovery_prefix.back() == '/')
        c.discovery_prefix.pop_back();
    if (c.node_id.empty()) c.node_id = node_id_from_prefix(c.prefix);
    if (c.site_id.empty()) c.site_id = site_id_from_prefix(c.prefix);
    return c;
}

std::vector<transport::OutgoingMessage> status_messages(
    const loop::LoopStatus& st, const PublishConfig& c, TimePoint now,
    const std::map<std::string, int>& override_minutes) {
    std::vector<transport::OutgoingMessage> out;
    out.reserve(1 + st.miners.size() + st.decision.report.heat_zones.size());
    json summary = status_summary(st, now);
    summary["site"] = c.site_id;  // the fleet's name for it (docs/fleet.md)
    out.push_back({c.prefix + "/status", web::json_text(summary), c.qos, c.retain});
    // Ids are letters, digits, '_', '-' and '.' (the loader checks): safe as topic levels.
    for (const auto& m : st.miners) {
        auto minutes = override_minutes.find(m.id);
        out.push_back(
            {c.prefix + "/miner/" + m.id,
             web::json_text(miner_summary(
                 m, minutes == override_minutes.end() ? kDefaultOverrideMinutes : minutes->second)),
             c.qos, c.retain});
    }
    for (const auto& z : st.decision.report.heat_zones)
        out.push_back(
            {c.prefix + "/zone/" + z.id, web::json_text(web::heat_zone_json(z)), c.qos, c.retain});
    return out;
}

StatusPublisher::StatusPublisher(PublishConfig config, const loop::StatusBoard& board,
                                 const Clock& clock, std::size_t expected_messages,
                                 loop::Recorder& recorder, CommandHandler on_command)
    : config_(std::move(config)),
      board_(board),
      clock_(clock),
      recorder_(recorder),
      on_command_(std::move(on_command)) {
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
    // Home Assistant's configs are about 16 messages per miner, sent at once.
    const std::size_t depth = (config_.home_assistant ? 20 : 2) * (expected_messages + 1);
    queue_ = std::make_unique<transport::MqttPublishQueue>(
        client_, depth, "publish", [this](const Status& st) {
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
    subscribe();
    timer_ = std::thread([this] { run(); });
}

StatusPublisher::~StatusPublisher() {
    // No handler may run once the members it uses are gone.
    if (client_)
        for (auto id : subscriptions_) client_->unsubscribe(id);
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (timer_.joinable()) timer_.join();
}

void StatusPublisher::subscribe() {
    auto keep = [this](std::uint64_t id) {
        if (id != 0) subscriptions_.push_back(id);
    };
    if (config_.home_assistant) {
        // Home Assistant's birth message: it lost its entities' configs, announce them again.
        keep(client_->subscribe(config_.discovery_prefix + "/status", 1,
                                [this](const transport::MqttMessage& m) {
                                    if (m.payload == "online") wake(true);
                                }));
        // Every config announced under this node, ours included: the others are stale.
        keep(client_->subscribe(discovery_filter(config_), 1,
                                [this](const transport::MqttMessage& m) {
                                    std::lock_guard lock(mutex_);
                                    if (m.payload.empty())
                                        seen_configs_.erase(m.topic);
                                    else
                                        seen_configs_.insert(m.topic);
                                }));
    }
    if (config_.fleet_commands)
        keep(client_->subscribe(config_.fleet_topic, 1,
                                [this](const transport::MqttMessage& m) { on_fleet_message(m); }));
    if (config_.control)
        for (const auto& filter : control_filters(config_.prefix))
            keep(client_->subscribe(
                filter, 1, [this](const transport::MqttMessage& m) { on_command_message(m); }));
}

void StatusPublisher::wake(bool announce) {
    {
        std::lock_guard lock(mutex_);
        (announce ? announce_now_ : publish_now_) = true;
    }
    wake_.notify_all();
}

void StatusPublisher::run() {
    using std::chrono::steady_clock;
    std::uint64_t last_tick = 0;
    bool first = true;
    steady_clock::time_point fast_until{};
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        // After a command, every new tick for a few seconds: its effect shows at once.
        if (std::exchange(publish_now_, false)) fast_until = steady_clock::now() + Duration{3000};
        const std::map<std::string, int> minutes = override_minutes_;
        lock.unlock();
        auto st = board_.latest();
        try {
            // Announced configs are followed by the states their entities read.
            const bool announced = st && config_.home_assistant && announce(*st);
            if (st && (first || announced || st->tick != last_tick)) {
                for (auto& m : status_messages(*st, config_, clock_.now(), minutes))
                    queue_->push(std::move(m));
                last_tick = st->tick;
                first = false;
            }
        } catch (const std::exception& e) {
            log::error("publish", std::string("status: ") + e.what());
        }
        lock.lock();
        // Until the first status, and after a command, look again soon; else every interval.
        const bool soon = first || steady_clock::now() < fast_until;
        wake_.wait_for(
            lock, soon ? std::min<Duration>(config_.interval, Duration{200}) : config_.interval,
            [this] { return stopping_ || publish_now_ || announce_now_; });
    }
}

namespace {

// What Home Assistant shows of the fleet: a change here is a new announcement.
std::string fleet_signature(const loop::LoopStatus& st) {
    std::string out;
    for (const auto& m : st.miners)
        out += m.id + ':' + std::to_string(m.caps.max_power_w()) + ':' +
               (m.state ? m.state->model + ':' + m.state->firmware : std::string()) + ';';
    for (const auto& z : st.decision.report.heat_zones) out += "zone:" + z.id + ';';
    return out;
}

}  // namespace

bool StatusPublisher::announce(const loop::LoopStatus& st) {
    bool due = false;
    {
        std::lock_guard lock(mutex_);
        due = std::exchange(announce_now_, false);
    }
    // Not connected: the connection's next start announces.
    if (!client_->connected()) return false;
    std::string fleet = fleet_signature(st);
    const std::uint64_t connection = client_->connection_count();
    due = due || connection != announced_connection_ || fleet != announced_fleet_;
    if (due) {
        std::set<std::string> topics;
        auto configs = discovery_messages(st, config_);
        for (const auto& m : configs) topics.insert(m.topic);
        // Entities gone since the last announcement (a miner removed by a reload).
        for (const auto& t : announced_)
            if (!topics.count(t)) queue_->push({t, "", config_.qos, true});
        for (auto& m : configs) queue_->push(std::move(m));
        announced_ = std::move(topics);
        announced_connection_ = connection;
        announced_fleet_ = std::move(fleet);
    }
    clear_stale_configs();
    return due;
}

// Retained configs of this node that were not announced (a miner removed while the daemon was
// down) are cleared: Home Assistant removes an entity whose config becomes empty.
void StatusPublisher::clear_stale_configs() {
    std::vector<std::string> stale;
    {
        std::lock_guard lock(mutex_);
        for (auto it = seen_configs_.begin(); it != seen_configs_.end();) {
            if (announced_.count(*it)) {
                ++it;
                continue;
            }
            stale.push_back(*it);
            it = seen_configs_.erase(it);
        }
    }
    for (auto& t : stale) {
        log::info("publish", "clearing " + t + ": no longer configured");
        queue_->push({std::move(t), "", config_.qos, true});
    }
}

void StatusPublisher::on_command_message(const transport::MqttMessage& m) {
    // A retained command would be carried out again at every reconnect.
    if (m.retained) return refuse(m.topic, "a retained command is not carried out");
    auto latest = board_.latest();
    auto known = [&latest](std::string_view id) {
        return latest && std::any_of(latest->miners.begin(), latest->miners.end(),
                                     [&](const loop::MinerStatus& s) { return s.id == id; });
    };
    auto command = parse_command(
        config_.prefix, m.topic, m.payload,
        [this](std::string_view id) {
            std::lock_guard lock(mutex_);
            auto it = override_minutes_.find(std::string(id));
            return it == override_minutes_.end() ? kDefaultOverrideMinutes : it->second;
        },
        clock_.now());
    if (!command) return refuse(m.topic, command.error().message);
    if (command->kind == ControlCommand::Kind::override_duration) {
        if (!known(command->miner_id)) return refuse(m.topic, "no miner " + command->miner_id);
        std::lock_guard lock(mutex_);
        override_minutes_[command->miner_id] = command->minutes;
    } else if (!on_command_) {
        return refuse(m.topic, "commands are not taken here");
    } else if (Status st = on_command_(*command); !st) {
        return refuse(m.topic, st.message);
    }
    wake(false);
}

// Retained on purpose: a site that was away takes the fleet's latest command when it is back.
void StatusPublisher::on_fleet_message(const transport::MqttMessage& m) {
    if (m.payload.empty()) return;  // the fleet cleared its retained command
    auto command = parse_fleet_command(m.payload);
    if (!command) return refuse(m.topic, command.error().message);
    const TimePoint now = clock_.now();
    auto request = request_for(*command, config_.site_id, now);
    if (!request) return;  // not for this site, or over already
    ControlCommand c{.kind = ControlCommand::Kind::site_limit};
    c.limit = *request;
    FleetAck ack{
        .id = command->id, .site = config_.site_id, .limit_w = request->limit_w, .at = now};
    const Status st = on_command_
                          ? on_command_(c)
                          : Status::error(ErrorCode::invalid, "commands are not taken here");
    ack.ok = st.ok();
    if (!st) {
        ack.error = st.message;
        ack.limit_w.reset();
    }
    queue_->push({config_.prefix + "/fleet/ack", fleet_ack_json(ack), 1, false});
    wake(false);
}

void StatusPublisher::refuse(const std::string& topic, const std::string& why) {
    queue_->push({config_.prefix + "/error", web::json_text({{"topic", topic}, {"error", why}}),
                  config_.qos, false});
    // A client that floods bad commands must not flood the journal.
    const TimePoint now = clock_.now();
    {
        std::lock_guard lock(mutex_);
        if (now - refusal_window_ > Duration{60000}) {
            refusal_window_ = now;
            refusals_ = 0;
        }
        if (++refusals_ > 10) return;
    }
    log::warn("publish", "command on " + topic + " refused: " + why);
    recorder_.event(now, Severity::warning, "mqtt.command_refused", topic, why);
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
