#include "web/api/status_json.hpp"

#include <cstdint>
#include <cstdio>

#include "web/api/miner_json.hpp"

namespace hashsink::web {
namespace {

using nlohmann::json;

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

double age_s(TimePoint at, TimePoint now) {
    return at == TimePoint{} ? -1 : std::max(0.0, seconds_between(at, now));
}

json entry(const std::map<std::string, double>& m, const std::string& id) {
    auto it = m.find(id);
    return it == m.end() ? json(nullptr) : json(it->second);
}

}  // namespace

std::string caps_id(const MinerCaps& caps) {
    // FNV-1a over the caps' JSON: stable across restarts and the same for equal caps.
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : json(caps).dump()) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char out[17];
    std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
    return out;
}

json caps_json(const loop::LoopStatus& st, const std::string& only_id) {
    json miners = json::array();
    for (const auto& m : st.miners) {
        if (!only_id.empty() && m.id != only_id) continue;
        miners.push_back({{"id", m.id}, {"caps_id", caps_id(m.caps)}, {"caps", json(m.caps)}});
    }
    return miners;
}

json heat_zone_json(const HeatZoneView& z) {
    return {{"id", z.id},
            {"temperature_c", opt(z.temperature_c)},
            {"target_c", z.target_c},
            {"heating", z.heating},
            {"preheating", z.preheating},
            {"stale", z.stale},
            {"fraction", z.fraction},
            {"floor_w", z.floor_w}};
}

std::string json_text(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json target_json(const MinerTarget& t) {
    return {{"run", t.run},
            {"power_w", t.run ? t.power_w : 0.0},
            {"level", t.level ? json(*t.level) : json(nullptr)},
            {"frequency_mhz", opt(t.frequency_mhz)},
            {"core_voltage_mv", opt(t.core_voltage_mv)}};
}

json journal_json(const journal::Stats& stats, TimePoint now) {
    auto when = [](const std::optional<TimePoint>& t) {
        return t ? json(iso8601(*t)) : json(nullptr);
    };
    return {{"writing", stats.writing},
            {"last_error", stats.last_error},
            {"last_error_at", when(stats.last_error_at)},
            {"last_commit", when(stats.last_commit)},
            {"last_commit_age_s", stats.last_commit ? age_s(*stats.last_commit, now) : -1.0},
            {"rows_written", stats.rows_written},
            {"rows_dropped", stats.rows_dropped},
            {"rows_failed", stats.rows_failed},
            {"queue_depth", stats.queue_depth}};
}

json site_status_json(const loop::LoopStatus& st, TimePoint now) {
    json sources = json::array();
    for (const auto& s : st.sources) {
        json values = json::object();
        for (const auto& [name, r] : s.readings) {
            values[name] = {{"value", r.value}, {"age_s", age_s(r.at, now)},
                            {"stale", !r.fresh_at(now)}};
            if (auto why = s.rejected.find(name); why != s.rejected.end())
                values[name]["problem"] = why->second;
        }
        // Every value the source read but refused (a sentinel, a NaN, a stale message), with the
        // reason: also those that never had a good reading to show beside it.
        json rejected = json::object();
        for (const auto& [name, why] : s.rejected) rejected[name] = why;
        sources.push_back({{"id", s.id},
                           {"type", s.type},
                           {"ok", s.ok},
                           {"last_error", s.last_error},
                           {"age_s", age_s(s.last_ok, now)},
                           {"consecutive_failures", s.consecutive_failures},
                           {"values", values},
                           {"rejected", rejected}});
    }
    const auto& d = st.decision;
    const bool valued =
        !d.report.miner_hash_value_per_h.empty() || !d.report.miner_heat_value_per_h.empty();
    json zones = json::array();
    for (const auto& z : d.report.heat_zones) {
        json zone = heat_zone_json(z);
        zone["signal"] = z.signal;
        zones.push_back(std::move(zone));
    }
    // Outside managers' limits (Modbus, Sparkplug, fleet), by source, and the one in force.
    json limits = json::object();
    for (const auto& [source, l] : st.site_limits)
        limits[source] = {{"limit_w", l.limit_w},
                          {"applied_w", l.applied_w()},
                          {"lapsed", l.lapsed},
                          {"failsafe_w", l.failsafe_w},
                          {"heartbeat_s", l.heartbeat.count() / 1000.0},
                          {"until", l.until ? json(iso8601(*l.until)) : json(nullptr)},
                          {"refreshed_age_s", age_s(l.refreshed, now)},
                          {"note", l.note}};
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
              {"reason", d.reason},
              {"heat_floor_w", sum_of(d.miner_floor_w)},
              // What the miners earn now, currency per hour, hash and heat apart; null when
              // no policy values them (no economics).
              {"hash_value_per_h",
               valued ? json(sum_of(d.report.miner_hash_value_per_h)) : json(nullptr)},
              {"heat_value_per_h",
               valued ? json(sum_of(d.report.miner_heat_value_per_h)) : json(nullptr)},
              {"heat_zones", zones}}},
            {"planned_w", st.planned_w},
            {"measured_w", st.measured_w},
            {"site_limit",
             {{"limit_w", st.site_limit_w ? json(*st.site_limit_w) : json(nullptr)},
              {"sources", limits}}},
            {"sources", sources}};
}

json status_json(const loop::LoopStatus& st, TimePoint now, bool with_caps) {
    const auto& d = st.decision;
    json miners = json::array();
    for (const auto& m : st.miners) {
        json miner = {{"id", m.id},
                      {"driver", m.driver},
                      {"online", m.online},
                      {"state", m.state ? json(*m.state) : json(nullptr)},
                      {"age_s", age_s(m.state_at, now)},
                      {"caps_id", caps_id(m.caps)},
                      {"target", target_json(m.target)},
                      {"target_applied", m.target_applied},
                      {"reason", m.reason},
                      {"last_error", m.last_error},
                      {"consecutive_failures", m.consecutive_failures},
                      {"heat_floor_w", entry(d.miner_floor_w, m.id)},
                      {"hash_value_per_h", entry(d.report.miner_hash_value_per_h, m.id)},
                      {"heat_value_per_h", entry(d.report.miner_heat_value_per_h, m.id)}};
        if (with_caps) {
            miner["caps"] = json(m.caps);
            // Shown inside the state too, as a driver's read_state reports them (the loop
            // keeps them once, beside the state).
            if (miner["state"].is_object()) miner["state"]["caps"] = miner["caps"];
        } else if (miner["state"].is_object()) {
            miner["state"].erase("caps");
        }
        miners.push_back(std::move(miner));
    }
    json j = site_status_json(st, now);
    j["miners"] = std::move(miners);
    return j;
}

}  // namespace hashsink::web
