#include "policies/solar_surplus/solar_surplus.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

namespace hashsink::policies {
namespace {

// Memory keys. Times are Unix milliseconds; absent means "not running".
constexpr const char* kRunning = "running";
constexpr const char* kEnableSince = "enable_since_ms";
constexpr const char* kDisableSince = "disable_since_ms";
constexpr const char* kImportSince = "import_since_ms";

std::string fmt_w(double w) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0f W", w);
    return buf;
}

// The smallest draw at which any online miner can run: below it nothing can start.
double smallest_running_power_w(const SiteSnapshot& s) {
    double best = std::numeric_limits<double>::infinity();
    for (const auto& m : s.miners) {
        if (!m.state_fresh || m.caps.levels.empty()) continue;
        double p = m.caps.min_power_w();
        if (m.min_power_w > 0) p = std::max(p, m.min_power_w);
        best = std::min(best, p);
    }
    return best;
}

// Seconds a condition has held, updating its start marker in memory.
double held_for_s(PolicyMemory& mem, const char* key, bool condition, TimePoint now) {
    if (!condition) {
        mem.erase(key);
        return 0;
    }
    if (!mem.has(key)) mem.set(key, static_cast<double>(unix_ms(now)));
    return (static_cast<double>(unix_ms(now)) - mem.get(key)) / 1000.0;
}

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

const KeyTable& SolarSurplusSettings::keys() {
    static const KeyTable table = {
        {.name = "reserve_w", .type = KeyType::number,
         .doc = "Export kept back as a margin; the fleet never plans to use it.", .unit = "W",
         .fallback = 50.0, .min = 0.0, .max = 1e6},
        {.name = "enable_threshold_w", .type = KeyType::number,
         .doc = "Surplus needed above the smallest miner's draw before the fleet starts.",
         .unit = "W", .fallback = 0.0, .min = 0.0, .max = 1e6},
        {.name = "enable_delay", .type = KeyType::duration,
         .doc = "How long the surplus must hold before the fleet starts.", .unit = "s",
         .fallback = Duration{30'000}, .min = 0.0, .max = 3600.0},
        {.name = "disable_delay", .type = KeyType::duration,
         .doc = "How long a deficit must hold before the last miners stop (they run at their "
                "minimum meanwhile, unless that imports).",
         .unit = "s", .fallback = Duration{120'000}, .min = 0.0, .max = 3600.0},
        {.name = "import_tolerance_w", .type = KeyType::number,
         .doc = "Grid import below this is treated as metering noise.", .unit = "W",
         .fallback = 25.0, .min = 0.0, .max = 1e5},
        {.name = "hysteresis_w", .type = KeyType::number,
         .doc = "Dead band: while the export stays within this of reserve_w (and nothing is "
                "imported), every miner keeps its target, so noise does not switch miners.",
         .unit = "W", .fallback = 30.0, .min = 0.0, .max = 1e5},
        {.name = "shed_after", .type = KeyType::duration,
         .doc = "Import held this long removes every allowance: the budget drops to the "
                "measured surplus, stopping miners if needed.",
         .unit = "s", .fallback = Duration{10'000}, .min = 0.0, .max = 600.0},
    };
    return table;
}

SolarSurplusSettings SolarSurplusSettings::from(const Options& given) {
    Options o = with_defaults(keys(), given);
    SolarSurplusSettings s;
    s.reserve_w = o.get_number("reserve_w");
    s.enable_threshold_w = o.get_number("enable_threshold_w");
    s.enable_delay = o.get_duration("enable_delay");
    s.disable_delay = o.get_duration("disable_delay");
    s.import_tolerance_w = o.get_number("import_tolerance_w");
    s.hysteresis_w = o.get_number("hysteresis_w");
    s.shed_after = o.get_duration("shed_after");
    return s;
}

Decision SolarSurplusPolicy::decide(const SiteSnapshot& snap, const PolicyMemory& memory) const {
    Decision d;
    d.policy = std::string(name());
    d.memory = memory;
    PolicyMemory& mem = d.memory;

    auto grid_w = snap.fresh(signal::kGridPowerW);
    if (!grid_w || !std::isfinite(*grid_w)) {
        // Without a fresh grid reading we cannot know whether we import: safe state.
        mem = PolicyMemory{};
        d.fail_safe = true;
        d.reason = snap.find(signal::kGridPowerW) ? "grid power is stale" : "no grid power reading";
        return d;
    }

    // OpenEMS's trick: the fleet's own draw is added back, so it does not switch itself off.
    const double draw_w = snap.miners_draw_w();
    const double surplus_w = draw_w - *grid_w - settings_.reserve_w;
    const double smallest_w = smallest_running_power_w(snap);
    if (!std::isfinite(smallest_w)) {
        mem.erase(kEnableSince);
        mem.erase(kDisableSince);
        d.budget_w = std::max(0.0, surplus_w);
        d.reason = "no miner online; surplus " + fmt_w(surplus_w);
        return d;
    }

    const bool importing = *grid_w > settings_.import_tolerance_w;
    const double import_s = held_for_s(mem, kImportSince, importing, snap.now);
    const bool shed = importing && import_s >= seconds(settings_.shed_after);
    bool running = mem.get(kRunning) > 0;
    d.shed = importing;

    if (!running) {
        const bool enough = surplus_w >= smallest_w + settings_.enable_threshold_w;
        const double held = held_for_s(mem, kEnableSince, enough, snap.now);
        if (enough && held >= seconds(settings_.enable_delay)) {
            running = true;
            mem.erase(kEnableSince);
            mem.set(kRunning, 1);
        } else {
            d.budget_w = 0;
            d.reason = enough ? "surplus " + fmt_w(surplus_w) + " for " +
                                    std::to_string(static_cast<int>(held)) + " s, starting after " +
                                    std::to_string(static_cast<int>(seconds(settings_.enable_delay))) + " s"
                              : "surplus " + fmt_w(surplus_w) + " is below the smallest miner (" +
                                    fmt_w(smallest_w + settings_.enable_threshold_w) + ")";
            return d;
        }
    }

    // Running.
    const bool deficit = surplus_w < smallest_w;
    const double deficit_s = held_for_s(mem, kDisableSince, deficit, snap.now);
    if (deficit && (shed || deficit_s >= seconds(settings_.disable_delay))) {
        mem.erase(kRunning);
        mem.erase(kDisableSince);
        d.budget_w = 0;
        d.reason = shed ? "importing " + fmt_w(*grid_w) + " for " +
                              std::to_string(static_cast<int>(import_s)) + " s: stopping"
                        : "surplus " + fmt_w(surplus_w) + " below the smallest miner for " +
                              std::to_string(static_cast<int>(deficit_s)) + " s: stopping";
        return d;
    }
    if (deficit) {
        // Ride out a short cloud at the minimum, as long as that does not mean importing.
        d.budget_w = importing ? std::max(0.0, surplus_w) : smallest_w;
        d.reason = "surplus " + fmt_w(surplus_w) + " below the smallest miner; holding " +
                   (importing ? "back while importing" : "at minimum") + " (stop after " +
                   std::to_string(static_cast<int>(seconds(settings_.disable_delay))) + " s)";
        return d;
    }
    d.budget_w = surplus_w;
    // Dead band: a small change around the reserve, with nothing imported, is noise.
    if (!importing && std::abs(*grid_w + settings_.reserve_w) <= settings_.hysteresis_w) {
        d.hold = true;
        d.reason = "holding: export " + fmt_w(-*grid_w) + " is within " +
                   fmt_w(settings_.hysteresis_w) + " of the reserve";
        return d;
    }
    d.reason = "surplus " + fmt_w(surplus_w) + " (export " + fmt_w(-*grid_w) + " + fleet " +
               fmt_w(draw_w) + " - reserve " + fmt_w(settings_.reserve_w) + ")";
    return d;
}

}  // namespace hashsink::policies
