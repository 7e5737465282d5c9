#include "daemon/app/sparkplug/edge_node.hpp"

#include <cctype>

#include "adapters/sensors/mqtt_broker_keys.hpp"
#include "daemon/core/log.hpp"

namespace hashsink::app::sparkplug {
namespace {

using namespace std::chrono_literals;

// Group, edge node and host ids are topic levels: no '/', '+' or '#'.
std::string check_id(const OptionValue& value) {
    const auto* text = std::get_if<std::string>(&value);
    if (text == nullptr) return "";
    for (char c : *text)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
            return "use letters, digits, '_', '-' and '.' only";
    return "";
}

std::uint64_t ms(TimePoint t) { return static_cast<std::uint64_t>(unix_ms(t)); }

std::string fleet_of(const std::vector<loop::MinerStatus>& miners) {
    std::string out;
    for (const auto& m : miners) out += m.id + ';';
    return out;
}

}  // namespace

const Settings<SparkplugConfig>& sparkplug_settings() {
    static const auto settings =
        Settings<SparkplugConfig>{}
            .bind(&SparkplugConfig::enabled,
                  {.name = "enabled",
                   .doc = "run a Sparkplug B 3.0 edge node (docs/industrial.md)",
                   .fallback = false})
            .bind(&SparkplugConfig::group_id,
                  {.name = "group_id",
                   .doc = "Sparkplug group id (letters, digits, '_', '-', '.')",
                   .fallback = std::string("hashsink"),
                   .check = check_id})
            .bind(&SparkplugConfig::edge_node_id,
                  {.name = "edge_node_id",
                   .doc = "this site's edge node id; each miner is a device under it",
                   .fallback = std::string("site1"),
                   .check = check_id})
            .bind(&SparkplugConfig::primary_host_id,
                  {.name = "primary_host_id",
                   .doc = "the primary host application's id: while its STATE (spBv1.0/STATE/"
                          "<id>) says offline, data is stored and sent later as historical; "
                          "empty: publish whenever connected",
                   .fallback = std::string(),
                   .check = check_id})
            .bind(&SparkplugConfig::interval, {.name = "interval",
                                               .doc = "how often changes are published",
                                               .unit = "s",
                                               .fallback = Duration{5000},
                                               .min = 0.1,
                                               .max = 3600})
            .bind(&SparkplugConfig::store_limit,
                  {.name = "store_limit",
                   .doc = "data messages stored while the primary host is offline (the oldest "
                          "are dropped beyond it)",
                   .fallback = std::int64_t{10000},
                   .min = 0,
                   .max = 1000000})
            .nest(&SparkplugConfig::broker, sensors::mqtt::broker_settings());
    return settings;
}

KeyTable sparkplug_keys() { return sparkplug_settings().keys(); }

SparkplugConfig sparkplug_config_from(const Options& options) {
    SparkplugConfig c = sparkplug_settings().from(options);
    // Its own connection: the default client id is [publish]'s, and two clients with one id
    // push each other off the broker. NDEATH stands for the availability topic.
    if (c.broker.client_id == transport::MqttSettings{}.client_id)
        c.broker.client_id = "hashsink-spb-" + c.edge_node_id;
    c.broker.status_topic.clear();
    return c;
}

EdgeNode::EdgeNode(SparkplugConfig config, const loop::StatusBoard& board, const Clock& clock,
                   loop::Recorder& recorder, SiteLimitHandler on_site_limit,
                   MinerCommandHandler on_miner)
    : config_(std::move(config)),
      board_(board),
      clock_(clock),
      recorder_(recorder),
      on_site_limit_(std::move(on_site_limit)),
      on_miner_(std::move(on_miner)) {
    if (config_.group_id.empty() || config_.edge_node_id.empty()) {
        setup_ = Status::error(ErrorCode::invalid,
                               "sparkplug: group_id and edge_node_id are needed", false);
        return;
    }
    host_online_ = config_.primary_host_id.empty();
    client_ = std::make_unique<transport::MqttClient>(config_.broker);
    const auto& g = config_.group_id;
    const auto& e = config_.edge_node_id;
    client_->set_will([this, g, e] {
        const std::uint64_t bd = next_bd_seq_++ % 256;
        bd_seq_ = bd;
        std::string payload;
        death_payload(bd, ms(clock_.now())).SerializeToString(&payload);
        return transport::MqttWill{topic(g, "NDEATH", e), std::move(payload), 1, false};
    });
    auto command = [this](const transport::MqttMessage& m) { on_command(m); };
    client_->subscribe(topic(g, "NCMD", e), 1, command);
    client_->subscribe(topic(g, "DCMD", e, "+"), 1, command);
    if (!config_.primary_host_id.empty())
        client_->subscribe(std::string(kNamespace) + "/STATE/" + config_.primary_host_id, 1,
                           [this](const transport::MqttMessage& m) { on_state(m); });
    client_->start();
    timer_ = std::thread([this] { run(); });
}

EdgeNode::~EdgeNode() {
    // Handlers end first; a clean stop publishes this connection's NDEATH.
    if (client_) client_->stop();
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (timer_.joinable()) timer_.join();
}

EdgeNodeCounters EdgeNode::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

void EdgeNode::wake() {
    {
        std::lock_guard lock(mutex_);
        poke_ = true;
    }
    wake_.notify_all();
}

void EdgeNode::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        poke_ = false;
        lock.unlock();
        if (auto st = board_.latest()) {
            try {
                round(*st);
            } catch (const std::exception& e) {
                log::error("sparkplug", std::string("round: ") + e.what());
            }
        }
        lock.lock();
        // Until the first births, look again soon.
        const Duration wait =
            born_ ? config_.interval : std::min<Duration>(config_.interval, 200ms);
        wake_.wait_for(lock, wait, [this] { return stopping_ || poke_; });
    }
}

void EdgeNode::round(const loop::LoopStatus& st) {
    const TimePoint now = clock_.now();
    const auto node = node_metrics(st, bd_seq_, now);
    std::vector<std::vector<Metric>> devices;
    for (std::size_t i = 0; i < st.miners.size(); ++i)
        devices.push_back(device_metrics(st.miners[i], i));
    bool rebirth = false, host_online = false;
    {
        std::lock_guard lock(mutex_);
        rebirth = std::exchange(rebirth_, false);
        host_online = host_online_;
    }
    const bool can_publish = client_->connected() && host_online;
    if (!can_publish) {
        born_ = false;
        if (st.tick != last_tick_) store(node, st.miners, devices);
    } else if (!born_ || rebirth || born_connection_ != client_->connection_count() ||
               born_fleet_ != fleet_of(st.miners)) {
        births(node, st.miners, devices);
    } else if (st.tick != last_tick_) {
        data(node, st.miners, devices);
    }
    last_tick_ = st.tick;
}

bool EdgeNode::send(const char* type, const std::string& device, pb::Payload payload) {
    // Sparkplug 3.0: NBIRTH is 0, every later message one more, 255 wrapping to 0.
    if (std::string_view(type) == "NBIRTH") seq_ = 0;
    payload.set_seq(seq_++);
    std::string bytes;
    payload.SerializeToString(&bytes);
    const std::string to = topic(config_.group_id, type, config_.edge_node_id, device);
    Status st = client_->publish(to, bytes, 0, false);
    // Still connected: paho's send buffer (100 messages) is full, as when the stored data goes
    // out at once. Let it drain rather than break the session.
    for (int i = 0; !st.ok() && client_->connected() && i < 200; ++i) {
        std::this_thread::sleep_for(10ms);
        st = client_->publish(to, bytes, 0, false);
    }
    std::lock_guard lock(mutex_);
    if (st.ok()) {
        ++counters_.published;
        return true;
    }
    ++counters_.failed;
    if (born_) log::warn("sparkplug", st.message);
    born_ = false;  // timer thread; the next round that can publish starts with births
    return false;
}

void EdgeNode::births(const std::vector<Metric>& node, const std::vector<loop::MinerStatus>& miners,
                      const std::vector<std::vector<Metric>>& devices) {
    const std::uint64_t at = ms(clock_.now());
    born_connection_ = client_->connection_count();
    born_fleet_ = fleet_of(miners);
    born_devices_.clear();
    born_ = true;
    if (!send("NBIRTH", {}, birth_payload(node, at))) return;
    last_node_ = node;
    last_devices_.clear();
    for (std::size_t i = 0; i < miners.size(); ++i) {
        last_devices_[miners[i].id] = devices[i];
        if (!miners[i].online) continue;
        if (!send("DBIRTH", miners[i].id, birth_payload(devices[i], at))) return;
        born_devices_.insert(miners[i].id);
    }
    log::info("sparkplug", "births sent (bdSeq " + std::to_string(bd_seq_.load()) + ")");
    forward_stored();
}

void EdgeNode::data(const std::vector<Metric>& node, const std::vector<loop::MinerStatus>& miners,
                    const std::vector<std::vector<Metric>>& devices) {
    const std::uint64_t at = ms(clock_.now());
    if (auto c = changed(node, last_node_); !c.empty()) {
        if (!send("NDATA", {}, data_payload(c, at, false))) return;
        last_node_ = node;
    }
    for (std::size_t i = 0; i < miners.size(); ++i) {
        const auto& id = miners[i].id;
        const bool born = born_devices_.count(id) > 0;
        bool ok = true;
        if (miners[i].online && !born) {
            ok = send("DBIRTH", id, birth_payload(devices[i], at));
            if (ok) born_devices_.insert(id);
        } else if (!miners[i].online && born) {
            pb::Payload death;
            death.set_timestamp(at);
            ok = send("DDEATH", id, std::move(death));
            if (ok) born_devices_.erase(id);
        } else if (born) {
            auto c = changed(devices[i], last_devices_[id]);
            if (!c.empty()) ok = send("DDATA", id, data_payload(c, at, false));
        }
        if (!ok) return;
        last_devices_[id] = devices[i];
    }
}

void EdgeNode::store(const std::vector<Metric>& node, const std::vector<loop::MinerStatus>& miners,
                     const std::vector<std::vector<Metric>>& devices) {
    // Nothing was ever born: the first births carry the values.
    if (last_node_.empty()) return;
    if (auto c = changed(node, last_node_); !c.empty()) keep({}, std::move(c));
    last_node_ = node;
    for (std::size_t i = 0; i < miners.size(); ++i) {
        auto& last = last_devices_[miners[i].id];
        if (auto c = changed(devices[i], last); !c.empty()) keep(miners[i].id, std::move(c));
        last = devices[i];
    }
}

void EdgeNode::keep(std::string device, std::vector<Metric> metrics) {
    if (config_.store_limit == 0) return;
    stored_.push_back({std::move(device), std::move(metrics), ms(clock_.now())});
    std::lock_guard lock(mutex_);
    ++counters_.stored;
    while (stored_.size() > config_.store_limit) {
        stored_.pop_front();
        if (counters_.dropped++ == 0)
            log::warn("sparkplug", "store full: dropping the oldest stored data");
    }
}

// After births: what was stored, oldest first, flagged historical. A device not born now (it
// is offline) cannot take DDATA: its stored data is dropped.
void EdgeNode::forward_stored() {
    if (!stored_.empty())
        log::info("sparkplug", "forwarding " + std::to_string(stored_.size()) +
                                   " stored messages as historical");
    while (!stored_.empty()) {
        auto& s = stored_.front();
        const bool node = s.device.empty();
        if (node || born_devices_.count(s.device)) {
            if (!send(node ? "NDATA" : "DDATA", s.device, data_payload(s.metrics, s.at_ms, true)))
                return;  // kept for the next births
        }
        stored_.pop_front();
    }
}

void EdgeNode::on_state(const transport::MqttMessage& m) {
    auto state = parse_host_state(m.payload);
    if (!state) return refuse(m.topic, state.error().message);
    {
        std::lock_guard lock(mutex_);
        // Sparkplug 3.0: an older STATE than the one in force is stale.
        if (state->timestamp_ms < host_timestamp_ms_) return;
        host_timestamp_ms_ = state->timestamp_ms;
        if (host_online_ != state->online)
            log::info("sparkplug", "primary host " + config_.primary_host_id +
                                       (state->online ? " online" : " offline"));
        host_online_ = state->online;
    }
    wake();
}

void EdgeNode::on_command(const transport::MqttMessage& m) {
    auto t = parse_topic(m.topic);
    pb::Payload payload;
    if (!t || !payload.ParseFromArray(m.payload.data(), static_cast<int>(m.payload.size())))
        return refuse(m.topic, "not a Sparkplug B payload");
    // The node's names and aliases are fixed: any status gives them.
    if (t->type == "NCMD")
        return carry_out(node_commands(payload, node_metrics(loop::LoopStatus{}, 0, {})), m.topic);
    auto latest = board_.latest();
    if (latest)
        for (std::size_t i = 0; i < latest->miners.size(); ++i)
            if (latest->miners[i].id == t->device)
                return carry_out(device_commands(payload, t->device, i, clock_.now()), m.topic);
    refuse(m.topic, "no miner " + t->device);
}

void EdgeNode::carry_out(const Commands& commands, const std::string& where) {
    for (const auto& why : commands.refused) refuse(where, why);
    for (const auto& c : commands.commands) {
        Status st;
        if (c.kind == Command::Kind::rebirth) {
            log::info("sparkplug", "rebirth requested on " + where);
            std::lock_guard lock(mutex_);
            rebirth_ = true;
        } else if (c.kind == Command::Kind::site_limit) {
            st = on_site_limit_ ? on_site_limit_(c.site_limit_w)
                                : Status::error(ErrorCode::invalid, "no site limit here", false);
        } else {
            st = on_miner_ ? on_miner_(c.miner.miner)
                           : Status::error(ErrorCode::invalid, "no miner commands here", false);
        }
        if (!st.ok()) refuse(where, st.message);
    }
    wake();
}

void EdgeNode::refuse(const std::string& where, const std::string& why) {
    // A host that floods bad writes must not flood the journal: ten a minute.
    const TimePoint now = clock_.now();
    {
        std::lock_guard lock(mutex_);
        if (now - refusal_window_ > std::chrono::minutes(1)) {
            refusal_window_ = now;
            refusals_ = 0;
        }
        if (++refusals_ > 10) return;
    }
    log::warn("sparkplug", "command on " + where + " refused: " + why);
    recorder_.event(now, Severity::warning, "sparkplug.command_refused", where, why);
}

}  // namespace hashsink::app::sparkplug
