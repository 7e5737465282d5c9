#include "web/api/metrics_text.hpp"

#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <vector>

#include "web/guarded_server.hpp"

namespace hashsink::web {
namespace {

// Writes families in order; a family's # HELP and # TYPE lines go out with its first sample,
// so a family with no sample (no economics, no heat floors) leaves no empty header behind.
class Exposition {
public:
    explicit Exposition(std::size_t reserve) { out_.reserve(reserve); }

    void family(std::string_view name, std::string_view type, std::string_view help) {
        name_ = name;
        type_ = type;
        help_ = help;
        headed_ = false;
    }
    // labels: already escaped, `a="x",b="y"`, or empty.
    void sample(std::string_view labels, double value) {
        if (!headed_) {
            out_.append("# HELP ").append(name_).append(" ").append(help_).append("\n");
            out_.append("# TYPE ").append(name_).append(" ").append(type_).append("\n");
            headed_ = true;
        }
        out_.append(name_);
        if (!labels.empty()) out_.append("{").append(labels).append("}");
        out_.push_back(' ');
        number(value);
        out_.push_back('\n');
    }
    void sample(std::string_view labels, const std::optional<double>& value) {
        if (value) sample(labels, *value);
    }
    std::string take() { return std::move(out_); }

private:
    void number(double v) {
        if (std::isnan(v)) {
            out_.append("NaN");
        } else if (std::isinf(v)) {
            out_.append(v > 0 ? "+Inf" : "-Inf");
        } else {
            char buf[32];
            auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
            out_.append(buf, r.ptr);
        }
    }

    std::string out_;
    std::string_view name_, type_, help_;
    bool headed_ = false;
};

std::string label(std::string_view name, std::string_view value) {
    std::string s(name);
    s.append("=\"").append(escape_label_value(value)).append("\"");
    return s;
}

std::string labels(std::string_view n1, std::string_view v1, std::string_view n2,
                   std::string_view v2) {
    return label(n1, v1) + "," + label(n2, v2);
}

std::optional<double> entry(const std::map<std::string, double>& m, const std::string& id) {
    auto it = m.find(id);
    return it == m.end() ? std::nullopt : std::optional<double>(it->second);
}

double flag(bool b) { return b ? 1 : 0; }

double age_s(TimePoint at, TimePoint now) { return std::max(0.0, seconds_between(at, now)); }

void site_metrics(Exposition& x, const loop::LoopStatus& st, TimePoint now) {
    const auto& d = st.decision;
    x.family("hashsink_ticks_total", "counter", "Ticks of the control loop since it started.");
    x.sample("", static_cast<double>(st.tick));
    x.family("hashsink_tick_duration_seconds", "gauge", "How long the last tick's own work took.");
    x.sample("", st.tick_duration_ms / 1000.0);
    const auto& t = st.timing;
    if (t.ticks > 0) {
        x.family("hashsink_tick_lateness_seconds", "gauge",
                 "How late ticks started after they were due, over the last ticks (quantile 1: "
                 "the largest).");
        x.sample(R"(quantile="0.5")", t.late_p50_ms / 1000.0);
        x.sample(R"(quantile="0.99")", t.late_p99_ms / 1000.0);
        x.sample(R"(quantile="1")", t.late_max_ms / 1000.0);
        x.family("hashsink_tick_work_seconds", "gauge",
                 "How long ticks' own work took, over the last ticks (quantile 1: the longest).");
        x.sample(R"(quantile="0.5")", t.work_p50_ms / 1000.0);
        x.sample(R"(quantile="0.99")", t.work_p99_ms / 1000.0);
        x.sample(R"(quantile="1")", t.work_max_ms / 1000.0);
    }
    x.family("hashsink_status_age_seconds", "gauge", "Time since the tick this status is from.");
    x.sample("", age_s(st.at, now));
    x.family("hashsink_policy_info", "gauge", "The policy deciding the budget (always 1).");
    x.sample(label("policy", d.policy), 1.0);
    x.family("hashsink_budget_watts", "gauge", "Power the policy lets the fleet draw.");
    x.sample("", d.budget_w);
    x.family("hashsink_fail_safe", "gauge",
             "1 when inputs are missing or stale and the fleet is in its safe state.");
    x.sample("", flag(d.fail_safe));
    x.family("hashsink_hold", "gauge", "1 when every miner keeps its target (dead band).");
    x.sample("", flag(d.hold));
    x.family("hashsink_shed", "gauge", "1 when the site imports and load comes off now.");
    x.sample("", flag(d.shed));
    x.family("hashsink_emergency", "gauge", "1 when a physical limit is at risk.");
    x.sample("", flag(d.emergency));
    x.family("hashsink_planned_power_watts", "gauge", "Sum of the running miners' targets.");
    x.sample("", st.planned_w);
    x.family("hashsink_measured_power_watts", "gauge", "Sum of the miners' measured draw.");
    x.sample("", st.measured_w);
    if (st.site_limit_w) {
        x.family("hashsink_site_limit_watts", "gauge",
                 "The fleet's draw limit in force: max_draw_w or an outside manager's, the lower.");
        x.sample("", *st.site_limit_w);
    }
    x.family("hashsink_heat_floor_watts", "gauge", "Heat the zones need now (sum of floors).");
    x.sample("", sum_of(d.miner_floor_w));
    if (!d.report.miner_hash_value_per_h.empty() || !d.report.miner_heat_value_per_h.empty()) {
        x.family("hashsink_hash_value_per_hour", "gauge",
                 "What the fleet's hash earns now, site currency per hour.");
        x.sample("", sum_of(d.report.miner_hash_value_per_h));
        x.family("hashsink_heat_value_per_hour", "gauge",
                 "What the fleet's heat replaces now, site currency per hour.");
        x.sample("", sum_of(d.report.miner_heat_value_per_h));
    }
}

void source_metrics(Exposition& x, const loop::LoopStatus& st, TimePoint now) {
    std::vector<std::string> ids;
    ids.reserve(st.sources.size());
    for (const auto& s : st.sources) ids.push_back(labels("source", s.id, "type", s.type));
    x.family("hashsink_source_ok", "gauge", "1 when the source's last read succeeded.");
    for (std::size_t i = 0; i < st.sources.size(); ++i) x.sample(ids[i], flag(st.sources[i].ok));
    x.family("hashsink_source_consecutive_failures", "gauge",
             "Failed reads of the source since its last success.");
    for (std::size_t i = 0; i < st.sources.size(); ++i)
        x.sample(ids[i], static_cast<double>(st.sources[i].consecutive_failures));
    x.family("hashsink_source_last_ok_age_seconds", "gauge",
             "Time since the source's last successful read.");
    for (std::size_t i = 0; i < st.sources.size(); ++i)
        if (st.sources[i].last_ok != TimePoint{})
            x.sample(ids[i], age_s(st.sources[i].last_ok, now));

    // Every reading of every source, named by its signal (units in the signal's name).
    std::vector<std::string> signals;
    for (const auto& s : st.sources)
        for (const auto& [name, _] : s.readings)
            signals.push_back(labels("source", s.id, "signal", name));
    auto each = [&](auto&& f) {
        std::size_t k = 0;
        for (const auto& s : st.sources)
            for (const auto& [_, r] : s.readings) f(signals[k++], r);
    };
    x.family("hashsink_reading", "gauge",
             "Latest value of a source's signal, in the unit its name ends with.");
    each([&](const std::string& l, const Reading& r) { x.sample(l, r.value); });
    x.family("hashsink_reading_age_seconds", "gauge", "Age of the signal's latest value.");
    each([&](const std::string& l, const Reading& r) { x.sample(l, age_s(r.at, now)); });
    x.family("hashsink_reading_stale", "gauge", "1 when the signal's value is older than allowed.");
    each([&](const std::string& l, const Reading& r) { x.sample(l, flag(!r.fresh_at(now))); });
}

void miner_metrics(Exposition& x, const loop::LoopStatus& st) {
    const auto& d = st.decision;
    const auto& miners = st.miners;
    std::vector<std::string> ids;
    ids.reserve(miners.size());
    for (const auto& m : miners) ids.push_back(labels("miner", m.id, "driver", m.driver));
    // What the miner reported, only while it is online: an offline miner has no sample.
    auto state = [&](std::size_t i) -> const MinerState* {
        const auto& m = miners[i];
        return m.online && m.state ? &*m.state : nullptr;
    };
    x.family("hashsink_miner_online", "gauge", "1 when the miner answered its last poll.");
    for (std::size_t i = 0; i < miners.size(); ++i) x.sample(ids[i], flag(miners[i].online));
    x.family("hashsink_miner_running", "gauge", "1 when the loop wants the miner running.");
    for (std::size_t i = 0; i < miners.size(); ++i) x.sample(ids[i], flag(miners[i].target.run));
    x.family("hashsink_miner_target_applied", "gauge", "1 when the miner confirmed its target.");
    for (std::size_t i = 0; i < miners.size(); ++i)
        x.sample(ids[i], flag(miners[i].target_applied));
    x.family("hashsink_miner_target_power_watts", "gauge",
             "Draw the loop plans for the miner (0 when paused).");
    for (std::size_t i = 0; i < miners.size(); ++i)
        x.sample(ids[i], miners[i].target.run ? miners[i].target.power_w : 0.0);
    x.family("hashsink_miner_power_watts", "gauge", "The miner's measured draw.");
    for (std::size_t i = 0; i < miners.size(); ++i)
        if (const auto* s = state(i)) x.sample(ids[i], s->power_w);
    x.family("hashsink_miner_hashrate_hashes_per_second", "gauge", "The miner's hashrate.");
    for (std::size_t i = 0; i < miners.size(); ++i)
        if (const auto* s = state(i); s && s->hashrate_ths)
            x.sample(ids[i], *s->hashrate_ths * 1e12);
    x.family("hashsink_miner_chip_temperature_celsius", "gauge", "The miner's chip temperature.");
    for (std::size_t i = 0; i < miners.size(); ++i)
        if (const auto* s = state(i)) x.sample(ids[i], s->chip_temp_c);
    x.family("hashsink_miner_consecutive_failures", "gauge",
             "Failed exchanges with the miner since its last success.");
    for (std::size_t i = 0; i < miners.size(); ++i)
        x.sample(ids[i], static_cast<double>(miners[i].consecutive_failures));
    x.family("hashsink_miner_heat_floor_watts", "gauge",
             "Heat the miner's zone needs from it now.");
    for (std::size_t i = 0; i < miners.size(); ++i)
        x.sample(ids[i], entry(d.miner_floor_w, miners[i].id));
    x.family("hashsink_miner_hash_value_per_hour", "gauge",
             "What the miner's hash earns now, site currency per hour.");
    for (std::size_t i = 0; i < miners.size(); ++i)
        x.sample(ids[i], entry(d.report.miner_hash_value_per_h, miners[i].id));
    x.family("hashsink_miner_heat_value_per_hour", "gauge",
             "What the miner's heat replaces now, site currency per hour.");
    for (std::size_t i = 0; i < miners.size(); ++i)
        x.sample(ids[i], entry(d.report.miner_heat_value_per_h, miners[i].id));
}

void zone_metrics(Exposition& x, const loop::LoopStatus& st) {
    const auto& zones = st.decision.report.heat_zones;
    std::vector<std::string> ids;
    ids.reserve(zones.size());
    for (const auto& z : zones) ids.push_back(label("zone", z.id));
    x.family("hashsink_zone_temperature_celsius", "gauge",
             "The heat zone's temperature (no sample when stale or missing).");
    for (std::size_t i = 0; i < zones.size(); ++i) x.sample(ids[i], zones[i].temperature_c);
    x.family("hashsink_zone_target_celsius", "gauge", "The heat zone's setpoint now.");
    for (std::size_t i = 0; i < zones.size(); ++i) x.sample(ids[i], zones[i].target_c);
    x.family("hashsink_zone_heating", "gauge", "1 inside a heating run.");
    for (std::size_t i = 0; i < zones.size(); ++i) x.sample(ids[i], flag(zones[i].heating));
    x.family("hashsink_zone_preheating", "gauge", "1 while warming ahead of a comfort window.");
    for (std::size_t i = 0; i < zones.size(); ++i) x.sample(ids[i], flag(zones[i].preheating));
    x.family("hashsink_zone_stale", "gauge", "1 when the zone has no usable temperature.");
    for (std::size_t i = 0; i < zones.size(); ++i) x.sample(ids[i], flag(zones[i].stale));
    x.family("hashsink_zone_heat_fraction", "gauge",
             "Where the zone's miners run, 0 (lowest level) to 1 (the zone's max power).");
    for (std::size_t i = 0; i < zones.size(); ++i) x.sample(ids[i], zones[i].fraction);
    x.family("hashsink_zone_floor_watts", "gauge", "The zone's heat floor (its miners' floors).");
    for (std::size_t i = 0; i < zones.size(); ++i) x.sample(ids[i], zones[i].floor_w);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value) {
        switch (c) {
            case '\\':
                out.append("\\\\");
                break;
            case '"':
                out.append("\\\"");
                break;
            case '\n':
                out.append("\\n");
                break;
            default:
                out.push_back(c);
        }
    }
    return out;
}

std::string metrics_text(const loop::LoopStatus& st, TimePoint now) {
    // About 600 bytes of samples per miner; a little per reading.
    Exposition x(4096 + 640 * st.miners.size() + 256 * st.sources.size());
    site_metrics(x, st, now);
    source_metrics(x, st, now);
    miner_metrics(x, st);
    zone_metrics(x, st);
    return x.take();
}

std::string journal_metrics_text(const journal::Stats& stats) {
    Exposition x(1024);
    x.family("hashsink_journal_writing", "gauge", "1 while the journal's last write succeeded.");
    x.sample("", flag(stats.writing));
    x.family("hashsink_journal_rows_written_total", "counter",
             "Rows the journal committed since the daemon started.");
    x.sample("", static_cast<double>(stats.rows_written));
    x.family("hashsink_journal_rows_dropped_total", "counter",
             "Rows refused because the journal's queue was full.");
    x.sample("", static_cast<double>(stats.rows_dropped));
    x.family("hashsink_journal_rows_failed_total", "counter",
             "Rows lost because writing them failed (a full disk).");
    x.sample("", static_cast<double>(stats.rows_failed));
    return x.take();
}

std::string connections_metrics_text(std::size_t open, const ClosedConnections& closed) {
    Exposition x(1024);
    x.family("hashsink_web_connections", "gauge", "Connections the web server serves now.");
    x.sample("", static_cast<double>(open));
    x.family("hashsink_web_connections_closed_total", "counter",
             "Connections the web server closed on its own before answering them, by cause.");
    for (auto [cause, n] :
         {std::pair{"to_make_room", closed.to_make_room}, std::pair{"too_slow", closed.too_slow},
          std::pair{"too_large", closed.too_large}, std::pair{"unreadable", closed.unreadable}})
        x.sample(label("cause", cause), static_cast<double>(n));
    return x.take();
}

}  // namespace hashsink::web
