#include "policies/common/policy_util.hpp"

#include <algorithm>
#include <cstdio>
#include <limits>

namespace hashsink::policies {

std::string fmt_w(double w) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f W", w);
    return buf;
}

std::string fmt_s(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f s", s);
    return buf;
}

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

double now_ms(const SiteSnapshot& s) { return static_cast<double>(unix_ms(s.now)); }

double held_for_s(PolicyMemory& mem, const std::string& key, bool condition, TimePoint now) {
    if (!condition) {
        mem.erase(key);
        return 0;
    }
    const double t = static_cast<double>(unix_ms(now));
    if (!mem.has(key)) mem.set(key, t);
    return (t - mem.get(key)) / 1000.0;
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
