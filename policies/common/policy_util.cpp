#include "policies/common/policy_util.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace hashsink::policies {

std::string fmt(const char* format, double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, format, v);
    return buf;
}

std::string fmt_w(double w) { return fmt("%.0f W", w); }

std::string fmt_s(double s) { return fmt("%.0f s", s); }

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

double now_ms(const SiteSnapshot& s) { return static_cast<double>(unix_ms(s.now)); }

double ms_of(const std::optional<TimePoint>& t, double fallback) {
    return t ? static_cast<double>(unix_ms(*t)) : fallback;
}

TimePoint at_ms(double ms) { return from_unix_ms(static_cast<std::int64_t>(std::ceil(ms))); }

double held_for_s(std::optional<TimePoint>& since, bool condition, TimePoint now) {
    if (!condition) {
        since.reset();
        return 0;
    }
    const double t = static_cast<double>(unix_ms(now));
    if (!since) since = from_unix_ms(unix_ms(now));
    return (t - ms_of(since)) / 1000.0;
}

bool inverter_throttled(const SiteSnapshot& s) {
    return s.fresh(signal::kPvState).value_or(0) == static_cast<double>(InverterState::throttled) ||
           s.fresh(signal::kPvLimitActive).value_or(0) >= 0.5;
}

std::vector<PowerLevel> usable_levels(const MinerView& m) {
    std::vector<PowerLevel> out;
    for (const auto& l : m.caps.levels) {
        if (m.max_power_w > 0 && l.power_w > m.max_power_w + 1e-9) continue;
        if (m.min_power_w > 0 && l.power_w < m.min_power_w - 1e-9) continue;
        out.push_back(l);
    }
    return out;
}

double planned_w(const SiteSnapshot& s) {
    double total = 0;
    for (const auto& m : s.miners)
        if (m.state_fresh && m.target.run) total += m.target.power_w;
    return total;
}

double smallest_increment_w(const SiteSnapshot& s, double start_margin_w) {
    double best = std::numeric_limits<double>::infinity();
    for (const auto& m : s.miners) {
        if (!m.state_fresh) continue;
        auto levels = usable_levels(m);
        if (levels.empty()) continue;
        if (!m.target.run) {
            best = std::min(best, levels.front().power_w + start_margin_w);
            continue;
        }
        for (const auto& l : levels)
            if (l.power_w > m.target.power_w + 1e-9) {
                best = std::min(best, l.power_w - m.target.power_w);
                break;
            }
    }
    return best;
}

double fleet_max_w(const SiteSnapshot& s) {
    double total = 0;
    for (const auto& m : s.miners) {
        if (!m.state_fresh) continue;
        auto levels = usable_levels(m);
        if (!levels.empty()) total += levels.back().power_w;
    }
    return total;
}

}  // namespace hashsink::policies
