#include "policies/genset_follow/genset_follow.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "policies/common/policy_util.hpp"

namespace hashsink::policies {
namespace {

// Memory keys (Unix ms).
constexpr const char* kRunningSince = "running_since_ms";   // the generator was seen starting
constexpr const char* kStopped = "stopped";                 // 1 while the generator is down
constexpr const char* kLastAdd = "last_add_ms";
constexpr const char* kLastShed = "last_shed_ms";

std::string pct(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f %%", v);
    return buf;
}

// A signal the policy needs: present and fresh, present but stale, or absent.
enum class Input { fresh, stale, absent };
Input input(const SiteSnapshot& s, std::string_view name, double& value) {
    const Reading* r = s.find(name);
    if (r == nullptr) return Input::absent;
    if (!r->fresh_at(s.now) || !std::isfinite(r->value)) return Input::stale;
    value = r->value;
    return Input::fresh;
}

}  // namespace

const KeyTable& GensetFollowSettings::keys() {
    static const KeyTable table = {
        {.name = "rating_w", .type = KeyType::number,
         .doc = "Generator rating; 0 takes it from the genset.rating_w signal (one of the two "
                "is needed).",
         .unit = "W", .fallback = 0.0, .min = 0.0, .max = 1e9},
        {.name = "band_low_pct", .type = KeyType::number,
         .doc = "Lower edge of the load band: below it load is added, one step at a time.",
         .unit = "%", .fallback = 75.0, .min = 0.0, .max = 100.0},
        {.name = "band_high_pct", .type = KeyType::number,
         .doc = "Upper edge of the load band: above it load is taken off (dwell and ramp-down "
                "limits apply).",
         .unit = "%", .fallback = 90.0, .min = 1.0, .max = 100.0},
        {.name = "trip_pct", .type = KeyType::number,
         .doc = "Load above this sheds in the same tick, back to the lower band edge.",
         .unit = "%", .fallback = 95.0, .min = 1.0, .max = 120.0},
        {.name = "nominal_frequency_hz", .type = KeyType::number,
         .doc = "The generator's nominal frequency (50 or 60).", .unit = "Hz", .fallback = 60.0,
         .min = 10.0, .max = 500.0},
        {.name = "max_frequency_dip_hz", .type = KeyType::number,
         .doc = "A frequency more than this below nominal sheds in the same tick.", .unit = "Hz",
         .fallback = 1.0, .min = 0.05, .max = 50.0},
        {.name = "step_w", .type = KeyType::number,
         .doc = "Load added per step (at least one miner start or level); 0 means 5 % of the "
                "rating.",
         .unit = "W", .fallback = 0.0, .min = 0.0, .max = 1e9},
        {.name = "start_margin_w", .type = KeyType::number,
         .doc = "Keep equal to governor.start_margin_w: a step that starts a miner includes it.",
         .unit = "W", .fallback = 10.0, .min = 0.0, .max = 1e6},
        {.name = "settle", .type = KeyType::duration,
         .doc = "Settling time after an added step before the next one.", .unit = "s",
         .fallback = Duration{20'000}, .min = 0.0, .max = 3600.0},
        {.name = "restart_delay", .type = KeyType::duration,
         .doc = "After the generator starts (or restarts), how long it runs unloaded before the "
                "staged start adds the first step.",
         .unit = "s", .fallback = Duration{60'000}, .min = 0.0, .max = 3600.0},
        {.name = "shed_hold", .type = KeyType::duration,
         .doc = "After a shed (frequency dip, overload, alarm), how long before load is added "
                "again.",
         .unit = "s", .fallback = Duration{60'000}, .min = 0.0, .max = 3600.0},
    };
    return table;
}

GensetFollowSettings GensetFollowSettings::from(const Options& given) {
    Options o = with_defaults(keys(), given);
    GensetFollowSettings s;
    s.rating_w = o.get_number("rating_w");
    s.band_low_pct = o.get_number("band_low_pct");
    s.band_high_pct = o.get_number("band_high_pct");
    s.trip_pct = o.get_number("trip_pct");
    s.nominal_frequency_hz = o.get_number("nominal_frequency_hz");
    s.max_frequency_dip_hz = o.get_number("max_frequency_dip_hz");
    s.step_w = o.get_number("step_w");
    s.start_margin_w = o.get_number("start_margin_w");
    s.settle = o.get_duration("settle");
    s.restart_delay = o.get_duration("restart_delay");
    s.shed_hold = o.get_duration("shed_hold");
    return s;
}

Decision GensetFollowPolicy::decide(const SiteSnapshot& snap, const PolicyMemory& memory) const {
    Decision d;
    d.policy = std::string(name());
    d.memory = memory;
    PolicyMemory& mem = d.memory;
    const double now = now_ms(snap);
    auto fail = [&](std::string why) {
        d.fail_safe = true;
        d.reason = std::move(why);
        return d;
    };

    double power_w = 0, rating_w = settings_.rating_w, freq_hz = 0, alarm = 0, running = 1;
    const Input p = input(snap, signal::kGensetPowerW, power_w);
    if (p != Input::fresh)
        return fail(p == Input::stale ? "generator power is stale" : "no generator power reading");
    if (rating_w <= 0) {
        if (input(snap, signal::kGensetRatingW, rating_w) != Input::fresh || rating_w <= 0)
            return fail("no generator rating (set rating_w or publish genset.rating_w)");
    }
    // Frequency, alarm and running are optional signals; once a source provides one, it must
    // stay fresh.
    const Input f = input(snap, signal::kGensetFrequencyHz, freq_hz);
    if (f == Input::stale) return fail("generator frequency is stale");
    const Input a = input(snap, signal::kGensetAlarm, alarm);
    if (a == Input::stale) return fail("generator alarm state is stale");
    const Input r = input(snap, signal::kGensetRunning, running);
    if (r == Input::stale) return fail("generator running state is stale");

    // Generator down: nothing may be planned, so that load comes back staged, not as a block.
    if (running < 0.5) {
        mem.set(kStopped, 1);
        mem.erase(kRunningSince);
        mem.erase(kLastAdd);
        d.budget_w = 0;
        d.shed = true;
        d.reason = "generator stopped: every miner paused until it has run " +
                   fmt_s(seconds(settings_.restart_delay));
        return d;
    }
    if (mem.get(kStopped) > 0 || !mem.has(kRunningSince)) {
        // After a stop, the warm-up starts now; at the daemon's start the generator is taken as
        // warm (the staged start still adds one step at a time).
        mem.set(kRunningSince, mem.get(kStopped) > 0 ? now : now - seconds(settings_.restart_delay) * 1000);
        mem.erase(kStopped);
    }

    const double low_w = rating_w * settings_.band_low_pct / 100;
    const double high_w = rating_w * std::max(settings_.band_high_pct, settings_.band_low_pct) / 100;
    const double trip_w = rating_w * settings_.trip_pct / 100;
    const double mid_w = (low_w + high_w) / 2;
    const double planned = planned_w(snap);
    const double measured = snap.miners_draw_w();
    // The load once every miner draws what it was told (one rebooting or without a pool draws
    // less for a while, then comes back): adding on top of that would overload on its return.
    const double expected_w = power_w - measured + planned;

    // Shed in the same tick: frequency dip, overload, alarm.
    const bool dip = f == Input::fresh &&
                     freq_hz < settings_.nominal_frequency_hz - settings_.max_frequency_dip_hz;
    const bool over = power_w > trip_w;
    const bool alarmed = a == Input::fresh && alarm >= 0.5;
    const double step_w = settings_.step_w > 0 ? settings_.step_w : rating_w * 0.05;
    if (dip || over || alarmed) {
        const double excess = std::max(power_w - low_w, step_w);
        d.budget_w = std::max(0.0, std::min(planned, measured) - excess);
        d.shed = true;
        d.emergency = true;
        mem.set(kLastShed, now);
        char buf[64];
        std::snprintf(buf, sizeof buf, "frequency %.2f Hz", freq_hz);
        d.reason = std::string("shedding ") + fmt_w(excess) + ": " +
                   (alarmed ? "generator alarm" : dip ? std::string(buf) + " below the limit"
                                                      : "load " + pct(100 * power_w / rating_w) +
                                                            " above trip_pct");
        return d;
    }

    const double warm_s = (now - mem.get(kRunningSince)) / 1000;
    if (warm_s < seconds(settings_.restart_delay)) {
        d.budget_w = 0;
        d.reason = "generator warming up: " + fmt_s(warm_s) + " of " +
                   fmt_s(seconds(settings_.restart_delay)) + " before the staged start";
        return d;
    }

    const std::string load = "load " + pct(100 * power_w / rating_w);
    if (power_w > high_w) {
        // Above the band: back to its middle; dwell and the ramp-down limit pace it.
        d.budget_w = std::max(0.0, planned - (power_w - mid_w));
        d.reason = load + " above the band: reducing by " + fmt_w(power_w - mid_w);
        return d;
    }
    if (std::max(power_w, expected_w) >= low_w) {
        d.hold = true;
        d.budget_w = planned;
        d.reason = load + " inside the band (" + pct(settings_.band_low_pct) + " - " +
                   pct(settings_.band_high_pct) + ")";
        return d;
    }

    // Below the band: one step, then let it settle.
    const double since_add_s = mem.has(kLastAdd) ? (now - mem.get(kLastAdd)) / 1000 : 1e12;
    const double since_shed_s = mem.has(kLastShed) ? (now - mem.get(kLastShed)) / 1000 : 1e12;
    if (since_shed_s < seconds(settings_.shed_hold)) {
        d.hold = true;
        d.budget_w = planned;
        d.reason = load + " below the band; adding again " +
                   fmt_s(seconds(settings_.shed_hold) - since_shed_s) + " after the shed";
        return d;
    }
    if (since_add_s < seconds(settings_.settle)) {
        d.hold = true;
        d.budget_w = planned;
        d.reason = load + " below the band; settling (" +
                   fmt_s(seconds(settings_.settle) - since_add_s) + " left)";
        return d;
    }
    const double room_w = high_w - std::max(power_w, expected_w);
    const double smallest = smallest_increment_w(snap, settings_.start_margin_w);
    double add = std::min(step_w, mid_w - std::max(power_w, expected_w));
    if (add < smallest) add = smallest <= room_w ? smallest : 0;
    if (add <= 0) {
        d.hold = true;
        d.budget_w = planned;
        d.reason = load + " below the band, but no miner step fits under the upper edge";
        return d;
    }
    mem.set(kLastAdd, now);
    d.budget_w = planned + add;
    d.reason = load + " below the band: adding " + fmt_w(add);
    return d;
}

}  // namespace hashsink::policies
