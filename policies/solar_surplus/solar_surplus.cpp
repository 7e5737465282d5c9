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
constexpr const char* kDecided = "decided";                 // memory carried from an earlier tick
constexpr const char* kEnableSince = "enable_since_ms";
constexpr const char* kDisableSince = "disable_since_ms";
constexpr const char* kImportSince = "import_since_ms";
constexpr const char* kProbeAt = "probe_at_ms";             // last probe
constexpr const char* kProbeHoldUntil = "probe_hold_until_ms";
constexpr const char* kProbeStep = "probe_step_w";          // the last probe's step
constexpr const char* kProbeFails = "probe_fails";          // probes in a row that imported
constexpr const char* kProbeOpen = "probe_open";            // a probe not yet known to hold
constexpr const char* kProbeGrow = "probe_grow";            // step multiplier: x2 per success
constexpr const char* kFailStep = "probe_fail_step_w";      // the step that failed...
constexpr const char* kFailHoldUntil = "probe_fail_hold_until_ms";   // ...waits until then
constexpr const char* kHiddenAt = "hidden_at_ms";           // last tick the surplus was hidden
constexpr const char* kBackoffAt = "backoff_at_ms";         // last back-off on import
constexpr const char* kBackoffBudget = "backoff_budget_w";  // the budget it set
constexpr double kMaxProbeFails = 16;
constexpr double kMaxProbeGrow = 64;

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

// The smallest load one probe can add: a running continuous-power miner below its top takes
// any amount, else the allocator's smallest step (a level, or a start).
double smallest_probe_w(const SiteSnapshot& s, double probe_step_w) {
    for (const auto& m : s.miners) {
        if (!m.state_fresh || !m.target.run || !m.caps.continuous_power) continue;
        auto levels = usable_levels(m);
        if (!levels.empty() && m.target.power_w < levels.back().power_w - 1e-9)
            return std::max(1.0, m.caps.power_step_w);
    }
    return smallest_increment_w(s, probe_step_w);
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
        {.name = "probe_hold_max", .type = KeyType::duration,
         .doc = "The hold after a failed probe doubles with each failure in a row, up to this; a "
                "probe that held resets it.",
         .unit = "s", .fallback = Duration{120'000}, .min = 0.0, .max = 86400.0},
        {.name = "backoff_settle", .type = KeyType::duration,
         .doc = "Hidden surplus: after a back-off on import, the miners get this long to settle "
                "before the next back-off.",
         .unit = "s", .fallback = Duration{5'000}, .min = 0.0, .max = 600.0},
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
    s.probe_hold_max = o.get_duration("probe_hold_max");
    s.backoff_settle = o.get_duration("backoff_settle");
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
    const double interval_ms = seconds(settings_.probe_interval) * 1000;
    // OpenEMS's trick: the fleet's own draw is added back, so it does not switch itself off.
    const double draw_w = snap.miners_draw_w();
    // The fleet draws what it was told: the last probe has taken effect (a miner's start can
    // spend a minute at idle draw; judged before that, every probe would look fine).
    const double planned_now_w = planned_w(snap);
    const bool settled =
        draw_w + std::max(settings_.limit_band_w, settings_.probe_step_w) >= planned_now_w;
    // A probe that made the site import failed: a probe as large waits probe_hold, doubled for
    // each failure in a row (up to probe_hold_max), so a fleet at the inverter's limit is not
    // pushed over it every minute (smaller steps, such as a small miner's next level, may go on
    // after the back-off's own hold).
    bool probe_failed = false;
    if (importing_now && mem.has(kProbeOpen)) {
        probe_failed = true;
        mem.erase(kProbeOpen);
        const double fails = std::min(mem.get(kProbeFails) + 1, kMaxProbeFails);
        mem.set(kProbeFails, fails);
        mem.set(kFailStep, mem.get(kProbeStep, settings_.probe_step_w));
        mem.erase(kProbeGrow);
        const double hold_s = std::min(seconds(settings_.probe_hold) * std::pow(2.0, fails - 1),
                                       std::max(seconds(settings_.probe_hold),
                                                seconds(settings_.probe_hold_max)));
        mem.set(kFailHoldUntil, now + hold_s * 1000);
    }
    auto forget_failures = [&] {
        for (auto key : {kProbeFails, kFailStep, kFailHoldUntil}) mem.erase(key);
    };
    if (!curtailed) mem.erase(kProbeAt);
    if (!curtailed && *grid_w < -settings_.limit_band_w) {
        // Exporting freely: the inverter gave more than asked, nothing is hidden any more.
        mem.erase(kProbeOpen);
        forget_failures();
    }
    // The surplus was hidden a moment ago: an import now is the limit found (by a probe, or by
    // the sun going down), and is answered by backing off, not by the measured surplus, for as
    // long as the import lasts.
    const bool hidden_recent =
        curtailed || (mem.has(kHiddenAt) && now - mem.get(kHiddenAt) <= interval_ms);
    if (curtailed || (importing_now && hidden_recent)) mem.set(kHiddenAt, now);
    if (!hidden_recent) {
        mem.erase(kHiddenAt);
        mem.erase(kBackoffAt);
        mem.erase(kBackoffBudget);
    }

    double surplus_w = draw_w - *grid_w - settings_.reserve_w + battery_adj_w;
    const double smallest_w = smallest_running_power_w(snap);
    bool probing = false, probe_wait = false, backing_off = false;
    std::string wait_note;   // why no probe this tick
    if (curtailed) {
        // The inverter holds the grid: the base is what the fleet was told (measurements lag),
        // and the reserve is the inverter's job.
        const double base_w = std::max(draw_w, planned_now_w) - *grid_w + battery_adj_w;
        if (hidden_w && *hidden_w > settings_.limit_band_w) {
            surplus_w = base_w + *hidden_w - settings_.reserve_w;
        } else {
            // Each probe that held doubles the next one (up to kMaxProbeGrow steps), so a
            // fleet far below the hidden surplus (after a cloud, or in the morning) catches up
            // in a few probes; a failure starts again from probe_step_w.
            const bool held = mem.has(kProbeOpen);
            const double grow = held ? std::min(2 * mem.get(kProbeGrow, 1), kMaxProbeGrow)
                                     : mem.get(kProbeGrow, 1);
            double step = settings_.probe_step_w * grow;
            const double smallest_step = smallest_probe_w(snap, settings_.probe_step_w);
            if (std::isfinite(smallest_step)) step = std::max(step, smallest_step);
            const bool as_large_as_failed =
                mem.has(kFailStep) && step >= 0.9 * mem.get(kFailStep);
            if (settled && now >= mem.get(kProbeHoldUntil) &&
                !(as_large_as_failed && now < mem.get(kFailHoldUntil)) &&
                (!mem.has(kProbeAt) || now - mem.get(kProbeAt) >= interval_ms)) {
                // The previous probe took effect and its interval passed without import: it
                // held, and if it was as large as the one that failed, the failures are over.
                if (mem.has(kProbeOpen) && mem.has(kFailStep) &&
                    mem.get(kProbeStep) >= 0.9 * mem.get(kFailStep))
                    forget_failures();
                mem.set(kProbeOpen, 1);
                mem.set(kProbeGrow, grow);
                surplus_w = base_w + step;
                probing = true;
                mem.set(kProbeAt, now);
                mem.set(kProbeStep, step);
            } else {
                surplus_w = base_w;
                probe_wait = true;
                double until = std::max(mem.get(kProbeHoldUntil),
                                        mem.get(kProbeAt, -1e18) + interval_ms);
                if (as_large_as_failed) until = std::max(until, mem.get(kFailHoldUntil));
                wait_note = !settled ? "until the fleet draws what it was told"
                                     : "next probe in " + fmt_s(std::max(0.0, until - now) / 1000);
                if (as_large_as_failed && now < mem.get(kFailHoldUntil))
                    wait_note += ", after " + std::to_string(static_cast<int>(
                                                  mem.get(kProbeFails))) + " failed";
            }
        }
    } else if (importing_now && hidden_recent && mem.get(kRunning) > 0) {
        // Back off from what the fleet was told (its measured draw lags), by the import or at
        // least the last probe's step: the allocator takes that off as lower levels, and pauses
        // a miner only once the others are at their lowest. Then the miners get backoff_settle
        // to follow before the next back-off.
        const double planned = planned_now_w;
        if (!mem.has(kBackoffAt) ||
            now - mem.get(kBackoffAt) >= seconds(settings_.backoff_settle) * 1000) {
            // The first back-off after a failed probe takes at least one step, or half of a
            // grown probe (it overshot by less than all of it); later ones, while the miners
            // follow, take what is still imported.
            double cut = *grid_w;
            if (probe_failed)
                cut = std::max({cut, settings_.probe_step_w,
                                0.5 * mem.get(kProbeStep, settings_.probe_step_w)});
            mem.set(kBackoffAt, now);
            mem.set(kBackoffBudget, std::max(0.0, planned - cut));
            mem.erase(kProbeGrow);
            // No probe right after a back-off (one as large as a failed probe waits longer).
            mem.set(kProbeHoldUntil, std::max(mem.get(kProbeHoldUntil), now + interval_ms));
        }
        surplus_w = std::min(planned, mem.get(kBackoffBudget));
        backing_off = true;
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
    // First decision with no memory (the daemon just started, or inputs just came back): a fleet
    // already mining on a surplus that covers it is adopted as running. The enable delay guards
    // against starting on a passing surplus, not against keeping what runs; pausing it would cost
    // every miner a restart each time the daemon restarts in the sun.
    if (!running && !mem.has(kDecided) && !importing &&
        surplus_w >= smallest_w + settings_.enable_threshold_w) {
        const bool mining = std::any_of(snap.miners.begin(), snap.miners.end(), [](const MinerView& m) {
            return m.state_fresh && m.state && m.state->state == MinerRunState::mining;
        });
        if (mining) {
            running = true;
            mem.set(kRunning, 1);
        }
    }
    mem.set(kDecided, 1);

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
                mem.set(kProbeOpen, 1);
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
            d.reason = why + ", grid held at " + fmt_w(*grid_w) + ": holding (" + wait_note + ")" +
                       battery_note;
        } else {
            d.reason = why + ", grid held at " + fmt_w(*grid_w) + ": " +
                       (probing ? "probing up to " : "hidden surplus, budget ") + fmt_w(surplus_w) +
                       (hidden_w ? " (estimated hidden " + fmt_w(*hidden_w) + ")" : "") + battery_note;
        }
        return d;
    }
    if (backing_off) {
        d.reason = "importing " + fmt_w(*grid_w) + " at the inverter's limit: backing off to " +
                   fmt_w(surplus_w) + battery_note;
        return d;
    }
    // Dead band: a small change around the reserve, with nothing imported, is noise. A battery
    // that holds the grid at zero by discharging into the fleet is not: the band is measured on
    // the export as the battery rules count it.
    if (!importing &&
        std::abs(*grid_w - battery_adj_w + settings_.reserve_w) <= settings_.hysteresis_w) {
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
