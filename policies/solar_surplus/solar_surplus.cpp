#include "policies/solar_surplus/solar_surplus.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "policies/common/policy_util.hpp"

namespace hashsink::policies {
namespace {

constexpr int kMaxProbeFails = 16;
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

// The grid reading, and why it cannot be used: nullopt with the reason when it, or an optional
// signal a source publishes (once published, it must stay fresh), is missing or stale.
struct GridReading {
    std::optional<double> grid_w;
    std::string why_not;
};
GridReading read_grid(const SiteSnapshot& snap) {
    auto grid_w = snap.fresh(signal::kGridPowerW);
    if (!grid_w || !std::isfinite(*grid_w))
        return {std::nullopt,
                snap.find(signal::kGridPowerW) ? "grid power is stale" : "no grid power reading"};
    for (auto name : {signal::kBatteryPowerW, signal::kPvState, signal::kPvLimitActive,
                      signal::kPvAcPowerW, signal::kPvDcPowerW}) {
        const Reading* r = snap.find(name);
        if (r != nullptr && (!r->fresh_at(snap.now) || !std::isfinite(r->value)))
            return {std::nullopt, std::string(name) + " is stale"};
    }
    return {grid_w, {}};
}

// What one tick reads, once: the grid, the battery's share, the hidden surplus, the fleet.
struct Inputs {
    double now = 0;  // Unix ms
    double grid_w = 0;
    double battery_adj_w = 0;  // added to the surplus for the battery (may be negative)
    std::string battery_note;
    bool throttled = false;          // the inverter says it throttles
    std::optional<double> hidden_w;  // estimated from DC readings
    std::optional<double> pv_ac_w;   // the inverter's output
    bool importing = false;          // grid import above the tolerance
    bool curtailed = false;          // the inverter holds the grid while it could give more
    double draw_w = 0;               // the fleet's measured draw
    double planned_w = 0;            // what the fleet was told
    bool settled = false;            // it draws what it was told
    double smallest_w = 0;           // the smallest draw any online miner runs at (inf: none)
    double interval_ms = 0;          // probe_interval
};

// Battery: never mine what it charges with (unless nearly full), nor from it (unless above
// its floor).
void read_battery(const SiteSnapshot& snap, const SolarSurplusSettings& s, Inputs& in) {
    auto bat = snap.fresh(signal::kBatteryPowerW);
    if (!bat) return;
    auto soc = snap.fresh(signal::kBatterySocPct);
    if (*bat > 0 && !(soc && *soc > s.battery_min_soc_pct)) {
        in.battery_adj_w -= *bat;
        in.battery_note = ", battery discharge " + fmt_w(*bat) + " excluded";
    }
    const bool charge_free = !s.battery_reserve_charge || (soc && *soc >= s.battery_full_soc_pct);
    if (*bat < 0 && charge_free) {
        in.battery_adj_w += -*bat;
        in.battery_note = ", battery charge " + fmt_w(-*bat) + " counted";
    }
}

// Hidden surplus: the inverter makes less than it could (throttled by an export limit or a
// zero-export setting, or its DC exceeds its AC output) while the grid sits at zero or at the
// export limit. With DC readings the hidden part is estimated (up to the AC rating, as clipping
// above it cannot reach an AC load); without, it is probed.
void read_hidden(const SiteSnapshot& snap, const SolarSurplusSettings& s, Inputs& in) {
    in.throttled = inverter_throttled(snap);
    auto ac = snap.fresh(signal::kPvAcPowerW);
    in.pv_ac_w = ac;
    std::optional<double> dc = snap.fresh(signal::kPvDcPowerW);
    if (!dc) {
        double sum = 0;
        int n = 0;
        for (int i = 1; i <= 16; ++i)
            if (auto v = snap.fresh(signal::mppt_dc_power_w(i))) sum += *v, ++n;
        if (n > 0) dc = sum;
    }
    if (ac && dc) {
        double available = *dc * s.dc_ac_efficiency;
        if (auto rating = snap.fresh(signal::kPvRatingW); rating && *rating > 0)
            available = std::min(available, *rating);
        in.hidden_w = std::max(0.0, available - *ac);
    }
    const auto export_limit = snap.fresh(signal::kExportLimitW);
    const bool at_limit = std::abs(in.grid_w) <= s.limit_band_w ||
                          (export_limit && in.grid_w <= -*export_limit + s.limit_band_w);
    in.curtailed = at_limit && !in.importing &&
                   (in.throttled || (in.hidden_w && *in.hidden_w > s.limit_band_w));
}

Inputs read_inputs(const SiteSnapshot& snap, double grid_w, const SolarSurplusSettings& s) {
    Inputs in;
    in.now = now_ms(snap);
    in.grid_w = grid_w;
    in.importing = grid_w > s.import_tolerance_w;
    read_battery(snap, s, in);
    read_hidden(snap, s, in);
    in.interval_ms = seconds(s.probe_interval) * 1000;
    // OpenEMS's trick: the fleet's own draw is added back, so it does not switch itself off.
    in.draw_w = snap.miners_draw_w();
    // The fleet draws what it was told: the last probe has taken effect (a miner's start can
    // spend a minute at idle draw; judged before that, every probe would look fine).
    in.planned_w = planned_w(snap);
    in.settled = in.draw_w + std::max(s.limit_band_w, s.probe_step_w) >= in.planned_w;
    in.smallest_w = smallest_running_power_w(snap);
    return in;
}

void forget_failures(SolarSurplusState& st) {
    st.probe_fails = 0;
    st.fail_step_w.reset();
    st.fail_hold_until.reset();
}

// A probe starts: what the inverter puts out now (the house and the fleet, while it throttles)
// is kept, so that a failure can tell a limit found from a cloud.
void open_probe(const Inputs& in, SolarSurplusState& st) {
    st.probe_open = true;
    st.probe_at = at_ms(in.now);
    st.probe_pv_w = in.pv_ac_w;
}

// The probes' bookkeeping before this tick's surplus: a probe that made the site import failed
// (a probe as large waits probe_hold, doubled for each failure in a row up to probe_hold_max, so
// a fleet at the inverter's limit is not pushed over it every minute; smaller steps, such as a
// small miner's next level, may go on after the back-off's own hold). True when one just failed.
bool judge_probe(const Inputs& in, const SolarSurplusSettings& s, SolarSurplusState& st) {
    bool failed = false;
    if (in.importing && st.probe_open) {
        failed = true;
        st.probe_open = false;
        st.probe_fails = std::min(st.probe_fails + 1, kMaxProbeFails);
        st.fail_step_w = st.probe_step_w.value_or(s.probe_step_w);
        st.probe_grow = 1;
        const double hold_s = std::min(seconds(s.probe_hold) * std::pow(2.0, st.probe_fails - 1),
                                       std::max(seconds(s.probe_hold), seconds(s.probe_hold_max)));
        st.fail_hold_until = at_ms(in.now + hold_s * 1000);
        // Importing, the inverter gives all it can: the probe found its limit. Less than it
        // gave at the probe is a cloud, not the limit: it passes.
        if (in.pv_ac_w && st.probe_pv_w && *in.pv_ac_w > *st.probe_pv_w) {
            st.found_pv_w = in.pv_ac_w;
            st.found_at = at_ms(in.now);
        }
    }
    // The site's load has outgrown the limit a failed probe found (by more than the meter's
    // noise): that limit has passed.
    if (!in.importing && st.found_pv_w && in.pv_ac_w &&
        *in.pv_ac_w > *st.found_pv_w + s.limit_band_w) {
        st.found_pv_w.reset();
        st.found_at.reset();
    }
    if (!in.curtailed) st.probe_at.reset();
    if (!in.curtailed && in.grid_w < -s.limit_band_w) {
        // Exporting freely: the inverter gave more than asked, nothing is hidden any more.
        st.probe_open = false;
        forget_failures(st);
        st.found_pv_w.reset();
        st.found_at.reset();
    }
    return failed;
}

// The surplus was hidden a moment ago: an import now is the limit found (by a probe, or by the
// sun going down), and is answered by backing off, not by the measured surplus, for as long as
// the import lasts.
bool track_hidden(const Inputs& in, SolarSurplusState& st) {
    const bool recent =
        in.curtailed || (st.hidden_at && in.now - ms_of(st.hidden_at) <= in.interval_ms);
    if (in.curtailed || (in.importing && recent)) st.hidden_at = at_ms(in.now);
    if (!recent) {
        st.hidden_at.reset();
        st.backoff_at.reset();
        st.backoff_budget_w = 0;
    }
    return recent;
}

// This tick's surplus and how it was found.
struct Surplus {
    double w = 0;
    bool probing = false, probe_wait = false, backing_off = false;
    std::string wait_note;   // why no probe this tick
};

// While curtailed, without a DC estimate: probe one step up when the last probe settled and held
// its interval, else hold. Each probe that held doubles the next one (up to kMaxProbeGrow steps),
// so a fleet far below the hidden surplus (after a cloud, or in the morning) catches up in a few
// probes; a failure starts again from probe_step_w.
void probe(const SiteSnapshot& snap, const Inputs& in, const SolarSurplusSettings& s, double base_w,
           SolarSurplusState& st, Surplus& sp) {
    const double now = in.now;
    const double grow = st.probe_open ? std::min(2 * st.probe_grow, kMaxProbeGrow) : st.probe_grow;
    double step = s.probe_step_w * grow;
    const double smallest_step = smallest_probe_w(snap, s.probe_step_w);
    if (std::isfinite(smallest_step)) step = std::max(step, smallest_step);
    const bool as_large_as_failed = st.fail_step_w && step >= 0.9 * *st.fail_step_w;
    const bool failure_holds = as_large_as_failed && now < ms_of(st.fail_hold_until);
    if (in.settled && now >= ms_of(st.probe_hold_until) && !failure_holds &&
        (!st.probe_at || now - ms_of(st.probe_at) >= in.interval_ms)) {
        // The previous probe took effect and its interval passed without import: it held, and
        // if it was as large as the one that failed, the failures are over.
        if (st.probe_open && st.fail_step_w && st.probe_step_w.value_or(0) >= 0.9 * *st.fail_step_w)
            forget_failures(st);
        open_probe(in, st);
        st.probe_grow = grow;
        sp.w = base_w + step;
        sp.probing = true;
        st.probe_step_w = step;
        return;
    }
    sp.w = base_w;
    sp.probe_wait = true;
    double until = std::max(ms_of(st.probe_hold_until), ms_of(st.probe_at, -1e18) + in.interval_ms);
    if (as_large_as_failed) until = std::max(until, ms_of(st.fail_hold_until));
    sp.wait_note = !in.settled ? "until the fleet draws what it was told"
                               : "next probe in " + fmt_s(std::max(0.0, until - now) / 1000);
    if (failure_holds) sp.wait_note += ", after " + std::to_string(st.probe_fails) + " failed";
}

// Back off from what the fleet was told (its measured draw lags), by the import or at least the
// last probe's step: the allocator takes that off as lower levels, and pauses a miner only once
// the others are at their lowest. Then the miners get backoff_settle to follow before the next.
void back_off(const Inputs& in, const SolarSurplusSettings& s, bool probe_failed,
              SolarSurplusState& st, Surplus& sp) {
    const double now = in.now;
    if (!st.backoff_at || now - ms_of(st.backoff_at) >= seconds(s.backoff_settle) * 1000) {
        // The first back-off after a failed probe takes at least one step, or half of a grown
        // probe (it overshot by less than all of it); later ones, while the miners follow, take
        // what is still imported.
        double cut = in.grid_w;
        if (probe_failed)
            cut = std::max({cut, s.probe_step_w, 0.5 * st.probe_step_w.value_or(s.probe_step_w)});
        st.backoff_at = at_ms(now);
        st.backoff_budget_w = std::max(0.0, in.planned_w - cut);
        st.probe_grow = 1;
        // No probe right after a back-off (one as large as a failed probe waits longer).
        st.probe_hold_until = at_ms(std::max(ms_of(st.probe_hold_until), now + in.interval_ms));
    }
    sp.w = std::min(in.planned_w, st.backoff_budget_w);
    sp.backing_off = true;
}

Surplus find_surplus(const SiteSnapshot& snap, const Inputs& in, const SolarSurplusSettings& s,
                     SolarSurplusState& st) {
    const bool probe_failed = judge_probe(in, s, st);
    const bool hidden_recent = track_hidden(in, st);
    Surplus sp;
    sp.w = in.draw_w - in.grid_w - s.reserve_w + in.battery_adj_w;
    if (in.curtailed) {
        // The inverter holds the grid: the base is what the fleet was told (measurements lag),
        // and the reserve is the inverter's job.
        const double base_w = std::max(in.draw_w, in.planned_w) - in.grid_w + in.battery_adj_w;
        if (in.hidden_w && *in.hidden_w > s.limit_band_w)
            sp.w = base_w + *in.hidden_w - s.reserve_w;
        else
            probe(snap, in, s, base_w, st, sp);
    } else if (in.importing && hidden_recent && st.running) {
        back_off(in, s, probe_failed, st, sp);
    } else if (!in.importing && (hidden_recent || in.grid_w - in.battery_adj_w < -s.reserve_w)) {
        // Exporting more than the reserve, the fleet's targets fit: a surplus below them comes
        // from draw readings that lag (a miner polled before it ramped up), not from the site.
        // Nor is a throttle flag that flickers at the inverter's limit a deficit: a probe that
        // started a miner is judged by the import it causes, not dropped a tick later.
        sp.w = std::max(sp.w, in.planned_w);
    }
    return sp;
}

std::string whole_s(double s) { return std::to_string(static_cast<int>(s)) + " s"; }

// First decision with no memory (the daemon just started, or inputs just came back): a fleet
// already mining on a surplus that covers it is adopted as running. The enable delay guards
// against starting on a passing surplus, not against keeping what runs; pausing it would cost
// every miner a restart each time the daemon restarts in the sun.
void adopt_running(const SiteSnapshot& snap, const Inputs& in, const SolarSurplusSettings& s,
                   double surplus_w, SolarSurplusState& st) {
    if (st.running || st.decided || in.importing ||
        surplus_w < in.smallest_w + s.enable_threshold_w)
        return;
    st.running = std::any_of(snap.miners.begin(), snap.miners.end(), [](const MinerView& m) {
        return m.state_fresh && m.state && m.state->state == MinerRunState::mining;
    });
}

// A stopped fleet starts once the surplus has held enable_delay (a throttled inverter holding
// the grid counts as enough: it hides its surplus). False, with the decision made, while not.
bool start(const SiteSnapshot& snap, const Inputs& in, const SolarSurplusSettings& s,
           SolarSurplusState& st, Surplus& sp, Decision& d) {
    const double need_w = in.smallest_w + s.enable_threshold_w;
    const bool enough = sp.w >= need_w || (in.curtailed && in.throttled);
    const double held = held_for_s(st.enable_since, enough, snap.now);
    if (!enough || held < seconds(s.enable_delay)) {
        d.budget_w = 0;
        d.reason = enough ? "surplus " + fmt_w(sp.w) + " for " + whole_s(held) +
                                ", starting after " + whole_s(seconds(s.enable_delay))
                          : "surplus " + fmt_w(sp.w) + " is below the smallest miner (" +
                                fmt_w(need_w) + ")";
        return false;
    }
    st.running = true;
    st.enable_since.reset();
    if (in.curtailed && !sp.probing && sp.w < in.smallest_w) {
        // Start on hidden surplus: the first probe is the smallest miner.
        sp.w = std::max(sp.w, in.smallest_w + s.probe_step_w);
        sp.probing = true;
        open_probe(in, st);
    }
    return true;
}

// A running fleet below the smallest miner rides out a short cloud at the minimum (unless that
// imports), and stops after disable_delay or a shed. True when it decided.
bool ride_deficit(const SiteSnapshot& snap, const Inputs& in, const SolarSurplusSettings& s,
                  double import_s, const Surplus& sp, SolarSurplusState& st, Decision& d) {
    const bool deficit = sp.w < in.smallest_w;
    const double deficit_s = held_for_s(st.disable_since, deficit, snap.now);
    if (!deficit) return false;
    const bool shed = in.importing && import_s >= seconds(s.shed_after);
    if (shed || deficit_s >= seconds(s.disable_delay)) {
        st.running = false;
        st.disable_since.reset();
        d.budget_w = 0;
        d.reason =
            shed ? "importing " + fmt_w(in.grid_w) + " for " + whole_s(import_s) + ": stopping"
                 : "surplus " + fmt_w(sp.w) + " below the smallest miner for " +
                       whole_s(deficit_s) + ": stopping";
        return true;
    }
    d.budget_w = in.importing ? std::max(0.0, sp.w) : in.smallest_w;
    d.reason = "surplus " + fmt_w(sp.w) + " below the smallest miner; holding " +
               (in.importing ? "back while importing" : "at minimum") + " (stop after " +
               whole_s(seconds(s.disable_delay)) + ")";
    return true;
}

// A running fleet's budget is the surplus; the reason says how it was found. Inside the dead band
// (a small change around the reserve, nothing imported) or while waiting for a probe, it holds.
void running_decision(const Inputs& in, const SolarSurplusSettings& s, const Surplus& sp,
                      Decision& d) {
    d.budget_w = sp.w;
    if (in.curtailed) {
        const std::string why =
            std::string(in.throttled ? "inverter throttled" : "DC above the AC output") +
            ", grid held at " + fmt_w(in.grid_w) + ": ";
        d.hold = sp.probe_wait;
        d.reason =
            sp.probe_wait
                ? why + "holding (" + sp.wait_note + ")" + in.battery_note
                : why + (sp.probing ? "probing up to " : "hidden surplus, budget ") + fmt_w(sp.w) +
                      (in.hidden_w ? " (estimated hidden " + fmt_w(*in.hidden_w) + ")" : "") +
                      in.battery_note;
        return;
    }
    if (sp.backing_off) {
        d.reason = "importing " + fmt_w(in.grid_w) + " at the inverter's limit: backing off to " +
                   fmt_w(sp.w) + in.battery_note;
        return;
    }
    // A battery that holds the grid at zero by discharging into the fleet is not noise: the band
    // is measured on the export as the battery rules count it.
    if (!in.importing && std::abs(in.grid_w - in.battery_adj_w + s.reserve_w) <= s.hysteresis_w) {
        d.hold = true;
        d.reason = "holding: export " + fmt_w(-in.grid_w) + " is within " + fmt_w(s.hysteresis_w) +
                   " of the reserve";
        return;
    }
    d.reason = "surplus " + fmt_w(sp.w) + " (export " + fmt_w(-in.grid_w) + " + fleet " +
               fmt_w(in.draw_w) + " - reserve " + fmt_w(s.reserve_w) + ")" + in.battery_note;
}

// A miner paused less than min_rest ago stays paused: its ceiling is 0 (the allocator starts
// no miner whose lowest level is above its ceiling). A miner never told anything since the
// daemon started has no pause to count from.
void keep_resting(const SiteSnapshot& snap, const SolarSurplusSettings& s, Decision& d) {
    if (s.min_rest <= Duration{}) return;
    for (const auto& m : snap.miners)
        if (m.state_fresh && !m.target.run && m.target_since != TimePoint{} &&
            snap.now - m.target_since < s.min_rest)
            d.miner_ceiling_w[m.id] = 0;
}

// A failed probe found all the inverter could give. A paused miner whose start would take the
// site's load (the inverter's output while it throttles) above that stays paused until the
// sun could have risen to it at start_rise_w_per_min: a start costs a minute at idle and
// imports when it falls short, and on a dull morning it would be tried every few minutes.
void wait_for_growth(const SiteSnapshot& snap, const Inputs& in, const SolarSurplusSettings& s,
                     const SolarSurplusState& st, Decision& d) {
    if (s.start_rise_w_per_min <= 0 || !st.found_pv_w || !in.pv_ac_w) return;
    const double minutes = (in.now - ms_of(st.found_at)) / 60'000;
    const double room_w = *st.found_pv_w + s.start_rise_w_per_min * minutes - *in.pv_ac_w;
    for (const auto& m : snap.miners) {
        if (!m.state_fresh || m.target.run) continue;
        auto levels = usable_levels(m);
        if (!levels.empty() && levels.front().power_w - m.caps.idle_power_w > room_w)
            d.miner_ceiling_w[m.id] = 0;
    }
}

// A surplus that has covered a paused miner's lowest level for bare_start_after starts it
// without the governor's start margin (a floor at that level): a steady surplus just above a
// big miner's minimum is used, a passing one is not. The miners already running count at
// their lowest; one miner starts a tick.
void start_on_steady_surplus(const SiteSnapshot& snap, const Inputs& in,
                             const SolarSurplusSettings& s, const Surplus& sp,
                             SolarSurplusState& st, Decision& d) {
    if (s.bare_start_after <= Duration{} || !st.running || in.importing || in.curtailed ||
        sp.backing_off || d.hold) {
        st.covered_since.clear();
        return;
    }
    double left_w = sp.w;
    for (const auto& m : snap.miners)
        if (m.state_fresh && m.target.run)
            if (auto levels = usable_levels(m); !levels.empty()) left_w -= levels.front().power_w;
    std::map<std::string, std::optional<TimePoint>> covered;
    bool started = false;
    for (const auto& m : snap.miners) {
        auto levels = usable_levels(m);
        if (!m.state_fresh || m.target.run || levels.empty() || d.miner_ceiling_w.count(m.id) ||
            levels.front().power_w > left_w)
            continue;
        const auto was = st.covered_since.find(m.id);
        const TimePoint since =
            was != st.covered_since.end() && was->second ? *was->second : snap.now;
        covered[m.id] = since;
        if (!started && snap.now - since >= s.bare_start_after) {
            d.miner_floor_w[m.id] = levels.front().power_w;
            started = true;
        }
    }
    st.covered_since = std::move(covered);
}

// While probing a hidden surplus, a running continuous-power miner below its top takes the
// probes: no other miner starts (a start is a large step that imports a minute later).
void raise_before_start(const SiteSnapshot& snap, const Surplus& sp, Decision& d) {
    if (!sp.probing && !sp.probe_wait) return;
    const bool room = std::any_of(snap.miners.begin(), snap.miners.end(), [](const MinerView& m) {
        if (!m.state_fresh || !m.target.run || !m.caps.continuous_power) return false;
        auto levels = usable_levels(m);
        return !levels.empty() && m.target.power_w < levels.back().power_w - 1e-9;
    });
    if (!room) return;
    for (const auto& m : snap.miners)
        if (m.state_fresh && !m.target.run) d.miner_ceiling_w[m.id] = 0;
}

}  // namespace

Decision SolarSurplusPolicy::decide(const SiteSnapshot& snap, const PolicyMemory& memory) const {
    Decision d;
    d.policy = std::string(name());
    const GridReading grid = read_grid(snap);
    if (!grid.grid_w) {
        // Without a fresh grid reading we cannot know whether we import: safe state.
        d.fail_safe = true;
        d.reason = grid.why_not;
        return d;
    }
    SolarSurplusState st = state_of<SolarSurplusState>(memory);
    const Inputs in = read_inputs(snap, *grid.grid_w, settings_);
    Surplus sp = find_surplus(snap, in, settings_, st);
    if (!std::isfinite(in.smallest_w)) {
        st.enable_since.reset();
        st.disable_since.reset();
        d.budget_w = std::max(0.0, sp.w);
        d.reason = "no miner online; surplus " + fmt_w(sp.w);
    } else {
        const double import_s = held_for_s(st.import_since, in.importing, snap.now);
        d.shed = in.importing;
        adopt_running(snap, in, settings_, sp.w, st);
        st.decided = true;
        if ((st.running || start(snap, in, settings_, st, sp, d)) &&
            !ride_deficit(snap, in, settings_, import_s, sp, st, d))
            running_decision(in, settings_, sp, d);
        keep_resting(snap, settings_, d);
        wait_for_growth(snap, in, settings_, st, d);
        start_on_steady_surplus(snap, in, settings_, sp, st, d);
        raise_before_start(snap, sp, d);
    }
    d.memory = memory_of(std::move(st));
    return d;
}

}  // namespace hashsink::policies
