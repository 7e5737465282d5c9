#include "daemon/loop/governor.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "daemon/loop/allocator.hpp"

namespace hashsink::loop {
namespace {

// Appends a whole number, rounded as printf's %.0f would (half to even), without printf's cost:
// this runs for every miner on every tick.
void append_rounded(std::string& out, double v) {
    char buf[32];
    const double r = std::nearbyint(v);
    auto [end, ec] = std::abs(r) < 1e15
                         ? std::to_chars(buf, buf + sizeof buf, static_cast<long long>(r))
                         : std::to_chars(buf, buf + sizeof buf, r, std::chars_format::fixed, 0);
    if (ec == std::errc()) out.append(buf, end);
}

// Appends what a target asks for: "paused", "12 W" or "12 W (500 MHz, 1150 mV)".
void append_description(std::string& out, const MinerTarget& t) {
    if (!t.run) {
        out += "paused";
        return;
    }
    append_rounded(out, t.power_w);
    out += " W";
    if (t.frequency_mhz && t.core_voltage_mv) {
        out += " (";
        append_rounded(out, *t.frequency_mhz);
        out += " MHz, ";
        append_rounded(out, *t.core_voltage_mv);
        out += " mV)";
    }
}

// Power a target is planned to draw (a paused miner counts as nothing here: idle draw is small
// and it is measured anyway).
double planned_w(const MinerTarget& t) { return t.run ? t.power_w : 0; }

// The highest allowed level drawing less than `below_w`, as a target; paused when none does.
// Scanning from the top also names the last of equal levels, as run_at does.
MinerTarget highest_allowed_below(const MinerView& m, double below_w) {
    const auto& lv = m.caps.levels;
    for (std::size_t k = lv.size(); k-- > 0;)
        if (lv[k].power_w < below_w && within_limits(m, lv[k])) return run_at_index(m, k);
    return paused_target();
}

// Steps a target one allowed level down; paused when already at the bottom.
MinerTarget step_down(const MinerView& m, const MinerTarget& t) {
    if (!t.run) return paused_target();
    return highest_allowed_below(m, t.power_w - 1e-9);
}

using Targets = std::vector<GovernedTarget>;

// The safe state for every miner: inputs are stale or the policy asked for it.
void apply_safe_state(Targets& out, const std::vector<MinerView>& miners, const SiteLimits& limits,
                      const GovernInput& input) {
    for (std::size_t i = 0; i < miners.size(); ++i) {
        out[i].target = safe_target(miners[i], limits.safe_state);
        out[i].reason =
            "safe state: " + (input.fail_reason.empty() ? "inputs stale" : input.fail_reason);
    }
}

// The proposal, within each miner's limits: a level outside them never reaches the device.
void cap_per_miner(Targets& out, const std::vector<MinerTarget>& proposed,
                   const std::vector<MinerView>& miners) {
    for (std::size_t i = 0; i < miners.size(); ++i) {
        out[i].target = i < proposed.size() ? proposed[i] : paused_target();
        const MinerView& m = miners[i];
        MinerTarget& t = out[i].target;
        if (t.run && m.max_power_w > 0 && t.power_w > m.max_power_w + 1e-9) {
            t = highest_allowed_below(m, std::numeric_limits<double>::infinity());
            out[i].reason = "capped at the miner's max_power_w; ";
        }
    }
}

// Dwell: a miner changed recently may not take more load yet, so noise cannot flap it.
// Less load always goes through at once: a falling surplus must never become import
// while a miner waits out its dwell (miners take seconds to ramp down as it is).
void hold_for_dwell(Targets& out, const SiteSnapshot& snap, const SiteLimits& limits) {
    const auto& miners = snap.miners;
    for (std::size_t i = 0; i < miners.size(); ++i) {
        const MinerView& m = miners[i];
        MinerTarget& t = out[i].target;
        if (t == m.target || m.target_since == TimePoint{}) continue;
        const bool adds_load =
            planned_w(t) > planned_w(m.target) + 1e-9 || (t.run && !m.target.run);
        if (!adds_load) continue;
        auto since = snap.now - m.target_since;
        if (since < limits.min_dwell) {
            auto left_s =
                std::chrono::duration_cast<std::chrono::seconds>(limits.min_dwell - since);
            t = m.target;
            out[i].reason += "held for dwell (" + std::to_string(left_s.count() + 1) + " s left); ";
        }
    }
}

// A ramp rate (W/s) as watts over the time this tick covers.
double per_tick_w(double w_per_s, const SiteLimits& limits) {
    return w_per_s * std::chrono::duration<double>(limits.period).count();
}

// Ramp: the fleet adds at most ramp_up_w_per_s of planned load per second. Unused
// allowance accrues (a token bucket, capped at the largest single step the fleet could
// take), so a big miner's start waits its turn instead of waiting forever. Returns the
// credit to carry.
double limit_ramp_up(Targets& out, const std::vector<MinerView>& miners, const SiteLimits& limits,
                     double ramp_credit_w) {
    const double per_tick = per_tick_w(limits.ramp_up_w_per_s, limits);
    double largest_step = per_tick;
    for (std::size_t i = 0; i < miners.size(); ++i) {
        double added = planned_w(out[i].target) - planned_w(miners[i].target);
        largest_step = std::max(largest_step, added);
    }
    const double carried = std::max(0.0, ramp_credit_w);
    double allowed = std::min(carried + per_tick, std::max(largest_step, per_tick));
    bool held = false;
    for (std::size_t i = 0; i < miners.size(); ++i) {
        double added = planned_w(out[i].target) - planned_w(miners[i].target);
        if (added <= 1e-9) continue;
        if (added <= allowed) {
            allowed -= added;
        } else {
            held = true;
            out[i].target = miners[i].target;
            out[i].reason += "held by the ramp limit; ";
        }
    }
    // Credit only builds up while something waits for it.
    return held ? allowed : 0;
}

// Ramp down: a controlled decrease never drops more than the allowance per tick; a
// larger one becomes a one-level step, and a step larger than the whole allowance goes alone in
// its tick, so a tick never removes more than the larger of the two. Sheds and the safe state
// are never slowed.
void limit_ramp_down(Targets& out, const std::vector<MinerView>& miners, const SiteLimits& limits) {
    double allowed = per_tick_w(limits.ramp_down_w_per_s, limits);
    bool removed_any = false;
    for (std::size_t i = 0; i < miners.size(); ++i) {
        double removed = planned_w(miners[i].target) - planned_w(out[i].target);
        if (removed <= 1e-9 || !miners[i].state_fresh) continue;
        if (removed <= allowed) {
            allowed -= removed;
            removed_any = true;
            continue;
        }
        MinerTarget one = step_down(miners[i], miners[i].target);
        double step_w = planned_w(miners[i].target) - planned_w(one);
        if (planned_w(one) < planned_w(out[i].target)) one = out[i].target;
        if (step_w <= allowed || !removed_any) {
            allowed = std::max(0.0, allowed - step_w);
            removed_any = true;
            if (!(one == out[i].target)) {
                out[i].target = one;
                out[i].reason += "one step down (ramp-down limit); ";
            }
        } else {
            out[i].target = miners[i].target;
            out[i].reason += "held by the ramp-down limit; ";
        }
    }
}

// Site limit: step the last miners down until the fleet's plan, with what unconfirmed miners
// may still draw, fits; miners holding a heat floor only once the others cannot give more.
void fit_site_limit(Targets& out, const std::vector<MinerView>& miners, double limit_w,
                    const char* why, const GovernInput& input) {
    // A miner that has not confirmed its target may still draw what it last drew.
    auto counted_w = [&](std::size_t k) {
        return std::max(planned_w(out[k].target), miners[k].unconfirmed_draw_w);
    };
    double total = 0;
    for (std::size_t k = 0; k < miners.size(); ++k) total += counted_w(k);
    auto floored = [&](std::size_t k) {
        if (input.floor_w == nullptr || input.floor_w->empty()) return false;
        auto f = input.floor_w->find(miners[k].id);
        return f != input.floor_w->end() && f->second > 0;
    };
    const int passes = input.floor_w != nullptr && !input.floor_w->empty() ? 2 : 1;
    for (int pass = 0; pass < passes; ++pass) {
        for (std::size_t guard = 0; total > limit_w + 1e-9 && guard < 100'000; ++guard) {
            bool stepped = false;
            for (std::size_t k = miners.size(); k-- > 0 && total > limit_w + 1e-9;) {
                if (!out[k].target.run || (pass + 1 < passes && floored(k))) continue;
                double before = counted_w(k);
                out[k].target = step_down(miners[k], out[k].target);
                total -= before - counted_w(k);
                out[k].reason += why;
                stepped = true;
            }
            if (!stepped) break;
        }
    }
}

// A commanded limit is a request, not a fault: the fleet comes down to it at the ramp-down rate
// (a generator dislikes a sudden load drop, whoever asks for it), while max_draw_w holds at once.
// The limit for this tick: what the fleet may draw now, less one tick's allowance.
double ramped_command_limit(const std::vector<MinerView>& miners, const SiteLimits& limits,
                            double command_w) {
    double drawn_w = 0;
    for (const auto& m : miners) drawn_w += std::max(planned_w(m.target), m.unconfirmed_draw_w);
    double fit_w = std::max(command_w, drawn_w - per_tick_w(limits.ramp_down_w_per_s, limits));
    if (limits.max_draw_w > 0) fit_w = std::min(fit_w, limits.max_draw_w);
    return fit_w;
}

}  // namespace

std::optional<double> draw_limit_w(const SiteLimits& limits) {
    std::optional<double> limit;
    if (limits.max_draw_w > 0) limit = limits.max_draw_w;
    if (limits.command_limit_w)
        limit = std::min(limit.value_or(*limits.command_limit_w), *limits.command_limit_w);
    return limit;
}

std::vector<MinerTarget> current_targets(const SiteSnapshot& snap) {
    std::vector<MinerTarget> out;
    out.reserve(snap.miners.size());
    for (const auto& m : snap.miners) out.push_back(m.state_fresh ? m.target : paused_target());
    return out;
}

MinerTarget safe_target(const MinerView& miner, SafeState state) {
    if (state == SafeState::paused && miner.caps.can_pause) return paused_target();
    const auto& lv = miner.caps.levels;
    for (std::size_t k = 0; k < lv.size(); ++k)
        if (within_limits(miner, lv[k])) return run_at_index(miner, last_equal_index(miner, k));
    return paused_target();
}

Governed govern(const std::vector<MinerTarget>& proposed, const SiteSnapshot& snap,
                const SiteLimits& limits, const GovernInput& input) {
    const auto& miners = snap.miners;
    Targets out(miners.size());
    // Unchanged unless the ramp limit spends or banks it this tick.
    double ramp_credit_w = input.ramp_credit_w;
    if (input.fail_safe) {
        apply_safe_state(out, miners, limits, input);
    } else {
        cap_per_miner(out, proposed, miners);
        hold_for_dwell(out, snap, limits);
        if (limits.ramp_up_w_per_s > 0)
            ramp_credit_w = limit_ramp_up(out, miners, limits, input.ramp_credit_w);
        if (limits.ramp_down_w_per_s > 0 && !input.shed) limit_ramp_down(out, miners, limits);
    }
    if (auto limit_w = draw_limit_w(limits)) {
        const bool commanded =
            limits.command_limit_w &&
            (limits.max_draw_w <= 0 || *limits.command_limit_w < limits.max_draw_w);
        double fit_w = *limit_w;
        if (commanded && limits.ramp_down_w_per_s > 0 && !input.shed && !input.fail_safe)
            fit_w = ramped_command_limit(miners, limits, *limit_w);
        fit_site_limit(out, miners, fit_w,
                       commanded ? "reduced to the commanded site limit; "
                                 : "reduced to the site's max_draw_w; ",
                       input);
    }
    for (std::size_t i = 0; i < miners.size(); ++i) {
        out[i].changed = !(out[i].target == miners[i].target);
        append_description(out[i].reason, out[i].target);
    }
    return {std::move(out), ramp_credit_w};
}

}  // namespace hashsink::loop
