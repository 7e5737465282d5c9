#include "policies/solar_surplus/solar_surplus.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "policies/common/policy_util.hpp"

namespace hashsink::policies {
namespace {

// Memory keys. Times are Unix milliseconds; absent means "not running".
constexpr const char* kRunning = "running";
constexpr const char* kEnableSince = "enable_since_ms";
constexpr const char* kDisableSince = "disable_since_ms";
constexpr const char* kImportSince = "import_since_ms";
constexpr const char* kProbeAt = "probe_at_ms";             // last probe
constexpr const char* kProbeHoldUntil = "probe_hold_until_ms";

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
        {.name = "probe_step_w", .type = KeyType::number,
         .doc = "Hidden surplus: while the inverter throttles (or its DC exceeds its AC output) "
                "and the grid sits at zero or at the export limit, the budget rises by this "
                "(at least one miner step) every probe_interval, and backs off on import.",
         .unit = "W", .fallback = 50.0, .min = 1.0, .max = 1e6},
        {.name = "probe_interval", .type = KeyType::duration,
         .doc = "Time between two probes: long enough for the miners and the inverter to "
                "settle.",
         .unit = "s", .fallback = Duration{10'000}, .min = 1.0, .max = 3600.0},
        {.name = "probe_hold", .type = KeyType::duration,
         .doc = "After a probe made the site import, how long before the next one.", .unit = "s",
         .fallback = Duration{60'000}, .min = 0.0, .max = 3600.0},
        {.name = "limit_band_w", .type = KeyType::number,
         .doc = "Grid power this close to zero, or to grid.export_limit_w, counts as held there "
                "by the inverter.",
         .unit = "W", .fallback = 50.0, .min = 0.0, .max = 1e5},
        {.name = "dc_ac_efficiency", .type = KeyType::number,
         .doc = "AC the inverter makes of its DC input, to estimate the hidden surplus from "
                "pv.dc_power_w.",
         .fallback = 0.97, .min = 0.5, .max = 1.0},
        {.name = "battery_reserve_charge", .type = KeyType::boolean,
         .doc = "The battery's charging power is reserved for it, not surplus (until "
                "battery_full_soc_pct).",
         .fallback = true},
        {.name = "battery_full_soc_pct", .type = KeyType::number,
         .doc = "From this state of charge, the battery's charging power counts as surplus.",
         .unit = "%", .fallback = 95.0, .min = 0.0, .max = 100.0},
        {.name = "battery_min_soc_pct", .type = KeyType::number,
         .doc = "Above this state of charge the fleet may run from the battery (its discharge "
                "is not taken off the surplus); at or below it never. 100 = never.",
         .unit = "%", .fallback = 100.0, .min = 0.0, .max = 100.0},
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
    s.probe_step_w = o.get_number("probe_step_w");
    s.probe_interval = o.get_duration("probe_interval");
    s.probe_hold = o.get_duration("probe_hold");
    s.limit_band_w = o.get_number("limit_band_w");
    s.dc_ac_efficiency = o.get_number("dc_ac_efficiency");
    s.battery_reserve_charge = o.get_bool("battery_reserve_charge");
    s.battery_full_soc_pct = o.get_number("battery_full_soc_pct");
    s.battery_min_soc_pct = o.get_number("battery_min_soc_pct");
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

    // Optional signals: once a source publishes one, it must stay fresh.
    for (auto name : {signal::kBatteryPowerW, signal::kPvState, signal::kPvLimitActive,
                      signal::kPvAcPowerW, signal::kPvDcPowerW}) {
        const Reading* r = snap.find(name);
        if (r != nullptr && (!r->fresh_at(snap.now) || !std::isfinite(r->value))) {
            mem = PolicyMemory{};
            d.fail_safe = true;
            d.reason = std::string(name) + " is stale";
            return d;
        }
    }
    const double now = static_cast<double>(unix_ms(snap.now));

    // Battery: never mine what it charges with (unless nearly full), nor from it (unless above
    // its floor).
    double battery_adj_w = 0;
    std::string battery_note;
    if (auto bat = snap.fresh(signal::kBatteryPowerW)) {
        auto soc = snap.fresh(signal::kBatterySocPct);
        if (*bat > 0 && !(soc && *soc > settings_.battery_min_soc_pct)) {
            battery_adj_w -= *bat;
            battery_note = ", battery discharge " + fmt_w(*bat) + " excluded";
        }
        const bool charge_free = !settings_.battery_reserve_charge ||
                                 (soc && *soc >= settings_.battery_full_soc_pct);
        if (*bat < 0 && charge_free) {
            battery_adj_w += -*bat;
            battery_note = ", battery charge " + fmt_w(-*bat) + " counted";
        }
    }

    // Hidden surplus: the inverter makes less than it could (throttled by an export limit or a
    // zero-export setting, or its DC exceeds its AC output) while the grid sits at zero or at
    // the export limit. With DC readings the hidden part is estimated (up to the AC rating, as
    // clipping above it cannot reach an AC load); without, it is probed.
    const bool throttled =
        snap.fresh(signal::kPvState).value_or(0) == static_cast<double>(InverterState::throttled) ||
        snap.fresh(signal::kPvLimitActive).value_or(0) >= 0.5;
    std::optional<double> hidden_w;
    {
        auto ac = snap.fresh(signal::kPvAcPowerW);
        std::optional<double> dc = snap.fresh(signal::kPvDcPowerW);
        if (!dc) {
            double sum = 0;
            int n = 0;
            for (int i = 1; i <= 16; ++i)
                if (auto v = snap.fresh(signal::mppt_dc_power_w(i))) sum += *v, ++n;
            if (n > 0) dc = sum;
        }
        if (ac && dc) {
            double available = *dc * settings_.dc_ac_efficiency;
            if (auto rating = snap.fresh(signal::kPvRatingW); rating && *rating > 0)
                available = std::min(available, *rating);
            hidden_w = std::max(0.0, available - *ac);
        }
    }
    const auto export_limit = snap.fresh(signal::kExportLimitW);
    const bool at_limit = std::abs(*grid_w) <= settings_.limit_band_w ||
                          (export_limit && *grid_w <= -*export_limit + settings_.limit_band_w);
    const bool importing_now = *grid_w > settings_.import_tolerance_w;
    const bool curtailed = at_limit && !importing_now &&
                           (throttled || (hidden_w && *hidden_w > settings_.limit_band_w));
    if (importing_now && mem.has(kProbeAt) &&
        now - mem.get(kProbeAt) <= seconds(settings_.probe_interval) * 1000)
        mem.set(kProbeHoldUntil, now + seconds(settings_.probe_hold) * 1000);   // a probe imported
    if (!curtailed) mem.erase(kProbeAt);

    // OpenEMS's trick: the fleet's own draw is added back, so it does not switch itself off.
    const double draw_w = snap.miners_draw_w();
    double surplus_w = draw_w - *grid_w - settings_.reserve_w + battery_adj_w;
    const double smallest_w = smallest_running_power_w(snap);
    bool probing = false, probe_wait = false;
    if (curtailed) {
        // The inverter holds the grid: the base is what the fleet was told (measurements lag),
        // and the reserve is the inverter's job.
        const double base_w = std::max(draw_w, planned_w(snap)) - *grid_w + battery_adj_w;
        if (hidden_w && *hidden_w > settings_.limit_band_w) {
            surplus_w = base_w + *hidden_w - settings_.reserve_w;
        } else if (now >= mem.get(kProbeHoldUntil) &&
                   (!mem.has(kProbeAt) ||
                    now - mem.get(kProbeAt) >= seconds(settings_.probe_interval) * 1000)) {
            double step = settings_.probe_step_w;
            const double smallest_step = smallest_increment_w(snap, settings_.probe_step_w);
            if (std::isfinite(smallest_step)) step = std::max(step, smallest_step);
            surplus_w = base_w + step;
            probing = true;
            mem.set(kProbeAt, now);
        } else {
            surplus_w = base_w;
            probe_wait = true;
        }
    }
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
        // A throttled inverter hides its surplus: it holding the grid counts as enough.
        const bool enough = surplus_w >= smallest_w + settings_.enable_threshold_w ||
                            (curtailed && throttled);
        const double held = held_for_s(mem, kEnableSince, enough, snap.now);
        if (enough && held >= seconds(settings_.enable_delay)) {
            running = true;
            mem.erase(kEnableSince);
            mem.set(kRunning, 1);
            if (curtailed && !probing && surplus_w < smallest_w) {
                // Start on hidden surplus: the first probe is the smallest miner.
                surplus_w = std::max(surplus_w, smallest_w + settings_.probe_step_w);
                probing = true;
                mem.set(kProbeAt, now);
            }
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
    if (curtailed) {
        const std::string why = throttled ? "inverter throttled" : "DC above the AC output";
        if (probe_wait) {
            d.hold = true;
            d.reason = why + ", grid held at " + fmt_w(*grid_w) + ": holding (next probe in " +
                       std::to_string(static_cast<int>(std::max(
                           0.0, std::max(mem.get(kProbeHoldUntil) - now,
                                         mem.get(kProbeAt) + seconds(settings_.probe_interval) * 1000 - now)) /
                           1000)) + " s)" + battery_note;
        } else {
            d.reason = why + ", grid held at " + fmt_w(*grid_w) + ": " +
                       (probing ? "probing up to " : "hidden surplus, budget ") + fmt_w(surplus_w) +
                       (hidden_w ? " (estimated hidden " + fmt_w(*hidden_w) + ")" : "") + battery_note;
        }
        return d;
    }
    // Dead band: a small change around the reserve, with nothing imported, is noise.
    if (!importing && std::abs(*grid_w + settings_.reserve_w) <= settings_.hysteresis_w) {
        d.hold = true;
        d.reason = "holding: export " + fmt_w(-*grid_w) + " is within " +
                   fmt_w(settings_.hysteresis_w) + " of the reserve";
        return d;
    }
    d.reason = "surplus " + fmt_w(surplus_w) + " (export " + fmt_w(-*grid_w) + " + fleet " +
               fmt_w(draw_w) + " - reserve " + fmt_w(settings_.reserve_w) + ")" + battery_note;
    return d;
}

}  // namespace hashsink::policies
