#include "daemon/app/sparkplug/sparkplug_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace hashsink::app::sparkplug {
namespace {

Value number(const std::optional<double>& v) {
    return v && std::isfinite(*v) ? Value(*v) : Value();
}

Value fresh(const loop::LoopStatus& st, std::string_view signal, TimePoint now) {
    for (const auto& s : st.sources)
        for (const auto& [name, r] : s.readings)
            if (name == signal && r.fresh_at(now)) return r.value;
    return {};
}

// One word for the site's state, as [publish] says it.
std::string site_state(const loop::LoopStatus& st) {
    const auto& d = st.decision;
    if (d.emergency) return "emergency";
    if (d.fail_safe) return "fail_safe";
    if (d.shed) return "shed";
    for (const auto& m : st.miners)
        if (m.target.run) return "running";
    return "idle";
}

std::int64_t online_count(const loop::LoopStatus& st) {
    std::int64_t n = 0;
    for (const auto& m : st.miners) n += m.online ? 1 : 0;
    return n;
}

// The limit this node's host set (nullopt: none).
Value own_limit(const loop::LoopStatus& st) {
    auto it = st.site_limits.find(kSiteLimitSource);
    return it == st.site_limits.end() ? Value() : Value(it->second.limit_w);
}

std::string override_word(const std::optional<ManualOverride>& o) {
    return o ? to_string(o->mode) : "auto";
}

void set_value(pb::Payload_Metric& m, const Metric& metric) {
    m.set_datatype(static_cast<std::uint32_t>(metric.type));
    if (std::holds_alternative<std::monostate>(metric.value)) {
        m.set_is_null(true);
    } else if (const auto* b = std::get_if<bool>(&metric.value)) {
        m.set_boolean_value(*b);
    } else if (const auto* i = std::get_if<std::int64_t>(&metric.value)) {
        m.set_long_value(static_cast<std::uint64_t>(*i));
    } else if (const auto* d = std::get_if<double>(&metric.value)) {
        m.set_double_value(*d);
    } else {
        m.set_string_value(std::get<std::string>(metric.value));
    }
}

Status bad(std::string message) {
    return Status::error(ErrorCode::invalid, std::move(message), false);
}

// A written value as the text MQTT control parses (ON/OFF, a number, a mode word).
Result<std::string> written_text(const pb::Payload_Metric& m) {
    switch (m.value_case()) {
        case pb::Payload_Metric::kBooleanValue:
            return std::string(m.boolean_value() ? "ON" : "OFF");
        case pb::Payload_Metric::kDoubleValue:
            return std::to_string(m.double_value());
        case pb::Payload_Metric::kFloatValue:
            return std::to_string(m.float_value());
        case pb::Payload_Metric::kIntValue:
            return std::to_string(m.int_value());
        case pb::Payload_Metric::kLongValue:
            return std::to_string(m.long_value());
        case pb::Payload_Metric::kStringValue:
            return m.string_value();
        default:
            return bad("no value");
    }
}

std::optional<double> written_number(const pb::Payload_Metric& m) {
    switch (m.value_case()) {
        case pb::Payload_Metric::kDoubleValue:
            return m.double_value();
        case pb::Payload_Metric::kFloatValue:
            return m.float_value();
        // Int32 and Int64 travel as two's complement in the unsigned fields.
        case pb::Payload_Metric::kIntValue:
            return static_cast<std::int32_t>(m.int_value());
        case pb::Payload_Metric::kLongValue:
            return static_cast<std::int64_t>(m.long_value());
        default:
            return std::nullopt;
    }
}

// The metric's name: its own, else the one its alias was born with.
std::string name_of(const pb::Payload_Metric& m, const std::vector<Metric>& born) {
    if (m.has_name()) return m.name();
    for (const auto& b : born)
        if (m.has_alias() && b.alias == m.alias()) return b.name;
    return {};
}

Result<std::optional<double>> site_limit(const pb::Payload_Metric& m) {
    if (m.is_null()) return std::optional<double>();
    auto w = written_number(m);
    if (!w) return bad(std::string(kSiteLimit) + ": expected a number of watts");
    if (!std::isfinite(*w) || *w < 0)
        return bad(std::string(kSiteLimit) + ": " + std::to_string(*w) +
                   " refused: expected 0 or more watts");
    return std::optional<double>(*w);
}

}  // namespace

std::vector<Metric> node_metrics(const loop::LoopStatus& st, std::uint64_t bd_seq, TimePoint now) {
    const auto& d = st.decision;
    using T = DataType;
    return {
        {kRebirth, 1, T::boolean, false},
        {"bdSeq", 2, T::int64, static_cast<std::int64_t>(bd_seq)},
        {"Site/Grid Power W", 3, T::dbl, fresh(st, signal::kGridPowerW, now)},
        {"Site/Solar Power W", 4, T::dbl, fresh(st, signal::kPvAcPowerW, now)},
        {"Site/State", 5, T::string, site_state(st)},
        {"Site/Override", 6, T::string, override_word(st.manual)},
        {"Fleet/Draw W", 7, T::dbl, number(st.measured_w)},
        {"Fleet/Planned W", 8, T::dbl, number(st.planned_w)},
        {"Fleet/Miners", 9, T::int64, static_cast<std::int64_t>(st.miners.size())},
        {"Fleet/Miners Online", 10, T::int64, online_count(st)},
        {"Policy/Name", 11, T::string, d.policy},
        {"Policy/Budget W", 12, T::dbl, number(d.budget_w)},
        {"Policy/Reason", 13, T::string, d.reason},
        {"Alarms/Fail Safe", 14, T::boolean, d.fail_safe},
        {"Alarms/Shed", 15, T::boolean, d.shed},
        {"Alarms/Emergency", 16, T::boolean, d.emergency},
        {"Alarms/Hold", 17, T::boolean, d.hold},
        {kSiteLimit, 18, T::dbl, own_limit(st)},
        {"Site/Limit W", 19, T::dbl, number(st.site_limit_w)},
    };
}

std::vector<Metric> device_metrics(const loop::MinerStatus& m, std::size_t index) {
    const MinerState* s = m.online && m.state ? &*m.state : nullptr;
    const std::uint64_t base = 1000 * (index + 1);
    using T = DataType;
    return {
        {"Online", base + 0, T::boolean, m.online},
        {"State", base + 1, T::string, s ? std::string(to_string(s->state)) : "offline"},
        {"Running", base + 2, T::boolean, m.target.run},
        {"Target W", base + 3, T::dbl, m.target.run ? m.target.power_w : 0.0},
        {"Power W", base + 4, T::dbl, s ? number(s->power_w) : Value()},
        {"Hashrate THs", base + 5, T::dbl, s ? number(s->hashrate_ths) : Value()},
        {"Chip Temp C", base + 6, T::dbl, s ? number(s->chip_temp_c) : Value()},
        {"Reason", base + 7, T::string, m.reason},
        {"Control/Enabled", base + 8, T::boolean, m.command.enabled},
        {"Control/Max Power W", base + 9, T::dbl, m.command.max_power_w},
        {"Control/Override", base + 10, T::string, override_word(m.command.manual)},
    };
}

std::vector<Metric> changed(const std::vector<Metric>& now, const std::vector<Metric>& before) {
    std::vector<Metric> out;
    for (const auto& m : now) {
        bool same = false;
        for (const auto& b : before)
            if (b.alias == m.alias) {
                same = b.value == m.value;
                break;
            }
        if (!same) out.push_back(m);
    }
    return out;
}

pb::Payload birth_payload(const std::vector<Metric>& metrics, std::uint64_t at_ms) {
    pb::Payload p;
    p.set_timestamp(at_ms);
    for (const auto& metric : metrics) {
        auto* m = p.add_metrics();
        m->set_name(metric.name);
        m->set_alias(metric.alias);
        m->set_timestamp(at_ms);
        set_value(*m, metric);
    }
    return p;
}

pb::Payload data_payload(const std::vector<Metric>& metrics, std::uint64_t at_ms, bool historical) {
    pb::Payload p;
    p.set_timestamp(at_ms);
    for (const auto& metric : metrics) {
        auto* m = p.add_metrics();
        m->set_alias(metric.alias);
        m->set_timestamp(at_ms);
        if (historical) m->set_is_historical(true);
        set_value(*m, metric);
    }
    return p;
}

pb::Payload death_payload(std::uint64_t bd_seq, std::uint64_t at_ms) {
    pb::Payload p;
    p.set_timestamp(at_ms);
    auto* m = p.add_metrics();
    m->set_name("bdSeq");
    m->set_timestamp(at_ms);
    m->set_datatype(static_cast<std::uint32_t>(DataType::int64));
    m->set_long_value(bd_seq);
    return p;
}

std::string topic(const std::string& group, std::string_view type, const std::string& edge_node,
                  const std::string& device) {
    std::string t =
        std::string(kNamespace) + "/" + group + "/" + std::string(type) + "/" + edge_node;
    if (!device.empty()) t += "/" + device;
    return t;
}

std::optional<Topic> parse_topic(std::string_view text) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto slash = text.find('/', start);
        parts.emplace_back(text.substr(start, slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    if (parts.size() < 4 || parts.size() > 5 || parts[0] != kNamespace) return std::nullopt;
    return Topic{parts[1], parts[2], parts[3], parts.size() == 5 ? parts[4] : std::string()};
}

Result<HostState> parse_host_state(std::string_view payload) {
    auto j = nlohmann::json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("online") || !j["online"].is_boolean())
        return bad("STATE: expected {\"online\": true|false, \"timestamp\": ms}");
    HostState s;
    s.online = j["online"].get<bool>();
    if (j.contains("timestamp") && j["timestamp"].is_number_unsigned())
        s.timestamp_ms = j["timestamp"].get<std::uint64_t>();
    return s;
}

Commands node_commands(const pb::Payload& payload, const std::vector<Metric>& born) {
    Commands out;
    for (const auto& m : payload.metrics()) {
        const std::string name = name_of(m, born);
        if (name == kRebirth) {
            if (m.value_case() == pb::Payload_Metric::kBooleanValue && m.boolean_value())
                out.commands.push_back({Command::Kind::rebirth});
            else
                out.refused.push_back(std::string(kRebirth) + ": expected true");
        } else if (name == kSiteLimit) {
            auto w = site_limit(m);
            if (!w)
                out.refused.push_back(w.error().message);
            else
                out.commands.push_back({Command::Kind::site_limit, *w});
        } else {
            out.refused.push_back((name.empty() ? "alias " + std::to_string(m.alias()) : name) +
                                  ": not writable");
        }
    }
    return out;
}

Commands device_commands(const pb::Payload& payload, const std::string& miner_id, std::size_t index,
                         TimePoint now) {
    static const std::vector<std::pair<std::string, std::string>> kWritable = {
        {"Control/Enabled", "enabled"},
        {"Control/Max Power W", "max_power_w"},
        {"Control/Override", "override"}};
    Commands out;
    const auto born = device_metrics(loop::MinerStatus{.id = miner_id}, index);
    for (const auto& m : payload.metrics()) {
        const std::string name = name_of(m, born);
        auto what = std::find_if(kWritable.begin(), kWritable.end(),
                                 [&](const auto& w) { return w.first == name; });
        if (what == kWritable.end()) {
            out.refused.push_back(miner_id + " " +
                                  (name.empty() ? "alias " + std::to_string(m.alias()) : name) +
                                  ": not writable");
            continue;
        }
        auto text = written_text(m);
        auto c =
            text ? parse_miner_command(miner_id, what->second, *text, kDefaultOverrideMinutes, now)
                 : Result<ControlCommand>(text.error());
        if (!c) {
            out.refused.push_back(miner_id + " " + name + ": " + c.error().message);
            continue;
        }
        if (c->miner.override_) c->miner.override_->by = "sparkplug";
        out.commands.push_back({Command::Kind::miner, std::nullopt, *c});
    }
    return out;
}

}  // namespace hashsink::app::sparkplug
