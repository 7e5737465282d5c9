#include "web/api/status_json.hpp"

namespace hashsink::web {
namespace {

using nlohmann::json;

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

double age_s(TimePoint at, TimePoint now) {
    return at == TimePoint{} ? -1 : std::max(0.0, seconds_between(at, now));
}

}  // namespace

json caps_json(const MinerCaps& caps) {
    json levels = json::array();
    for (const auto& l : caps.levels)
        levels.push_back({{"power_w", l.power_w}, {"hashrate_ths", l.hashrate_ths},
                          {"frequency_mhz", opt(l.frequency_mhz)},
                          {"core_voltage_mv", opt(l.core_voltage_mv)}});
    return {{"min_power_w", caps.min_power_w()},
            {"max_power_w", caps.max_power_w()},
            {"nominal_power_w", caps.nominal_power_w()},
            {"continuous_power", caps.continuous_power},
            {"power_step_w", caps.power_step_w},
            {"can_pause", caps.can_pause},
            {"idle_power_w", caps.idle_power_w},
            {"frequency_options_mhz", caps.frequency_options_mhz},
            {"voltage_options_mv", caps.voltage_options_mv},
            {"levels", levels}};
}

json state_json(const MinerState& s) {
    return {{"driver", s.driver},
            {"model", s.model},
            {"firmware", s.firmware},
            {"online", s.online},
            {"state", to_string(s.state)},
            {"hashrate_ths", opt(s.hashrate_ths)},
            {"power_w", opt(s.power_w)},
            {"frequency_mhz", opt(s.frequency_mhz)},
            {"core_voltage_mv", opt(s.core_voltage_mv)},
            {"chip_temp_c", opt(s.chip_temp_c)},
            {"vr_temp_c", opt(s.vr_temp_c)},
            {"fan_rpm", opt(s.fan_rpm)},
            {"detail", s.detail}};
}

json target_json(const MinerTarget& t) {
    return {{"run", t.run},
            {"power_w", t.run ? t.power_w : 0.0},
            {"level", t.level ? json(*t.level) : json(nullptr)},
            {"frequency_mhz", opt(t.frequency_mhz)},
            {"core_voltage_mv", opt(t.core_voltage_mv)}};
}

json status_json(const loop::LoopStatus& st, TimePoint now) {
    json sources = json::array();
    for (const auto& s : st.sources) {
        json values = json::object();
        for (const auto& [name, r] : s.readings)
            values[name] = {{"value", r.value}, {"age_s", age_s(r.at, now)},
                            {"stale", !r.fresh_at(now)}};
        sources.push_back({{"id", s.id},
                           {"type", s.type},
                           {"ok", s.ok},
                           {"last_error", s.last_error},
                           {"age_s", age_s(s.last_ok, now)},
                           {"consecutive_failures", s.consecutive_failures},
                           {"values", values}});
    }
    json miners = json::array();
    for (const auto& m : st.miners) {
        miners.push_back({{"id", m.id},
                          {"driver", m.driver},
                          {"online", m.online},
                          {"state", m.state ? state_json(*m.state) : json(nullptr)},
                          {"age_s", age_s(m.state_at, now)},
                          {"caps", caps_json(m.caps)},
                          {"target", target_json(m.target)},
                          {"target_applied", m.target_applied},
                          {"reason", m.reason},
                          {"last_error", m.last_error},
                          {"consecutive_failures", m.consecutive_failures}});
    }
    const auto& d = st.decision;
    return {{"tick", st.tick},
            {"time", iso8601(st.at)},
            {"age_s", age_s(st.at, now)},
            {"tick_duration_ms", st.tick_duration_ms},
            {"decision",
             {{"policy", d.policy},
              {"budget_w", d.budget_w},
              {"fail_safe", d.fail_safe},
              {"hold", d.hold},
              {"shed", d.shed},
              {"reason", d.reason}}},
            {"planned_w", st.planned_w},
            {"measured_w", st.measured_w},
            {"sources", sources},
            {"miners", miners}};
}

}  // namespace hashsink::web
