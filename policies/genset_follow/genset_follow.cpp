#include "policies/genset_follow/genset_follow.hpp"

#include <algorithm>
#include <cmath>

#include "policies/common/policy_util.hpp"

namespace hashsink::policies {
namespace {

std::string pct(double v) { return fmt("%.1f %%", v); }

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

namespace {

Settings<GensetFollowSettings> load_band_keys(Settings<GensetFollowSettings> s) {
    return std::move(s)
        .bind(
            &GensetFollowSettings::rating_w,
            {.name = "rating_w",
             .doc = "Generator rating; 0 takes it from the genset.rating_w signal (one of the two "
                    "is needed).",
             .unit = "W",
             .fallback = 0.0,
             .min = 0.0,
             .max = 1e9})
        .bind(&GensetFollowSettings::band_low_pct,
              {.name = "band_low_pct",
               .doc = "Lower edge of the load band: below it load is added, one step at a time.",
               .unit = "%",
               .fallback = 75.0,
               .min = 0.0,
               .max = 100.0})
        .bind(
            &GensetFollowSettings::band_high_pct,
            {.name = "band_high_pct",
             .doc = "Upper edge of the load band: above it load is taken off (dwell and ramp-down "
                    "limits apply).",
             .unit = "%",
             .fallback = 90.0,
             .min = 1.0,
             .max = 100.0})
        .bind(&GensetFollowSettings::trip_pct,
              {.name = "trip_pct",
               .doc = "Load above this sheds in the same tick, back to the lower band edge.",
               .unit = "%",
               .fallback = 95.0,
               .min = 1.0,
               .max = 120.0})
        .bind(&GensetFollowSettings::nominal_frequency_hz,
              {.name = "nominal_frequency_hz",
               .doc = "The generator's nominal frequency (50 or 60).",
               .unit = "Hz",
               .fallback = 60.0,
               .min = 10.0,
               .max = 500.0})
        .bind(&GensetFollowSettings::max_frequency_dip_hz,
              {.name = "max_frequency_dip_hz",
               .doc = "A frequency more than this below nominal sheds in the same tick.",
               .unit = "Hz",
               .fallback = 1.0,
               .min = 0.05,
               .max = 50.0})
        .bind(&GensetFollowSettings::step_w,
              {.name = "step_w",
               .doc = "Load added per step (at least one miner start or level); 0 means 5 % of the "
                      "rating.",
               .unit = "W",
               .fallback = 0.0,
               .min = 0.0,
               .max = 1e9})
        .bind(&GensetFollowSettings::start_margin_w,
              {.name = "start_margin_w",
               .doc = "Keep equal to governor.start_margin_w: a step that starts a miner "
                      "includes it.",
               .unit = "W",
               .fallback = 10.0,
               .min = 0.0,
               .max = 1e6});
}

Settings<GensetFollowSettings> timing_keys(Settings<GensetFollowSettings> s) {
    return std::move(s)
        .bind(&GensetFollowSettings::settle,
              {.name = "settle",
               .doc = "Settling time after an added step before the next one.",
               .unit = "s",
               .fallback = Duration{20'000},
               .min = 0.0,
               .max = 3600.0})
        .bind(&GensetFollowSettings::restart_delay,
              {.name = "restart_delay",
               .doc = "After the generator starts (or restarts), how long it runs unloaded "
                      "before the "
                      "staged start adds the first step.",
               .unit = "s",
               .fallback = Duration{60'000},
               .min = 0.0,
               .max = 3600.0})
        .bind(
            &GensetFollowSettings::shed_hold,
            {.name = "shed_hold",
             .doc = "After a shed (frequency dip, overload, alarm), how long before load is added "
                    "again.",
             .unit = "s",
             .fallback = Duration{60'000},
             .min = 0.0,
             .max = 3600.0});
}

}  // namespace

const Settings<GensetFollowSettings>& GensetFollowSettings::settings() {
    static const auto settings = timing_keys(load_band_keys(Settings<GensetFollowSettings>{}));
    return settings;
}

const KeyTable& GensetFollowSettings::keys() { return settings().keys(); }

GensetFollowSettings GensetFollowSettings::from(const Options& options) {
    return settings().from(options);
}

namespace {

// The generator's readings this tick.
struct Readings {
    double power_w = 0, rating_w = 0, freq_hz = 0, alarm = 0, running = 1;
    double nominal_hz = 0, max_dip_hz = 0;  // from the settings
    bool has_freq = false, has_alarm = false;
};

// The readings, or why they cannot be used (then the fleet goes to its safe state). Frequency,
// alarm and running are optional signals; once a source provides one, it must stay fresh.
std::string read(const SiteSnapshot& snap, double rating_w, Readings& r) {
    r.rating_w = rating_w;
    const Input p = input(snap, signal::kGensetPowerW, r.power_w);
    if (p != Input::fresh)
        return p == Input::stale ? "generator power is stale" : "no generator power reading";
    if (r.rating_w <= 0 &&
        (input(snap, signal::kGensetRatingW, r.rating_w) != Input::fresh || r.rating_w <= 0))
        return "no generator rating (set rating_w or publish genset.rating_w)";
    const Input f = input(snap, signal::kGensetFrequencyHz, r.freq_hz);
    if (f == Input::stale) return "generator frequency is stale";
    const Input a = input(snap, signal::kGensetAlarm, r.alarm);
    if (a == Input::stale) return "generator alarm state is stale";
    if (input(snap, signal::kGensetRunning, r.running) == Input::stale)
        return "generator running state is stale";
    r.has_freq = f == Input::fresh;
    r.has_alarm = a == Input::fresh;
    return {};
}

// The load band in W, and the load once every miner draws what it was told (one rebooting or
// without a pool draws less for a while, then comes back: adding on top of that would overload
// on its return).
struct Band {
    double low_w = 0, high_w = 0, trip_w = 0, mid_w = 0, step_w = 0;
    double planned_w = 0, measured_w = 0, expected_w = 0;
};

Band band_of(const SiteSnapshot& snap, const Readings& r, const GensetFollowSettings& s) {
    Band b;
    b.low_w = r.rating_w * s.band_low_pct / 100;
    b.high_w = r.rating_w * std::max(s.band_high_pct, s.band_low_pct) / 100;
    b.trip_w = r.rating_w * s.trip_pct / 100;
    b.mid_w = (b.low_w + b.high_w) / 2;
    b.step_w = s.step_w > 0 ? s.step_w : r.rating_w * 0.05;
    b.planned_w = planned_w(snap);
    b.measured_w = snap.miners_draw_w();
    b.expected_w = r.power_w - b.measured_w + b.planned_w;
    return b;
}

// Shed in the same tick on a frequency dip, an overload or an alarm. True when it sheds.
bool shed(const Readings& r, const Band& b, double now, GensetFollowState& st, Decision& d) {
    const bool dip = r.has_freq && r.freq_hz < r.nominal_hz - r.max_dip_hz;
    const bool over = r.power_w > b.trip_w;
    const bool alarmed = r.has_alarm && r.alarm >= 0.5;
    if (!dip && !over && !alarmed) return false;
    const double excess = std::max(r.power_w - b.low_w, b.step_w);
    d.budget_w = std::max(0.0, std::min(b.planned_w, b.measured_w) - excess);
    d.shed = true;
    d.emergency = true;
    st.last_shed = at_ms(now);
    d.reason = std::string("shedding ") + fmt_w(excess) + ": " +
               (alarmed ? "generator alarm"
                : dip   ? "frequency " + fmt("%.2f Hz", r.freq_hz) + " below the limit"
                        : "load " + pct(100 * r.power_w / r.rating_w) + " above trip_pct");
    return true;
}

// Keep what the fleet was told, for a reason.
void hold(const Band& b, std::string reason, Decision& d) {
    d.hold = true;
    d.budget_w = b.planned_w;
    d.reason = std::move(reason);
}

// Inside the band: hold. Above it: back to its middle (dwell and the ramp-down limit pace it).
// Below it: one step (at least one miner's, never past the upper edge), then let it settle.
void follow(const SiteSnapshot& snap, const Readings& r, const Band& b,
            const GensetFollowSettings& s, double now, GensetFollowState& st, Decision& d) {
    const std::string load = "load " + pct(100 * r.power_w / r.rating_w);
    const double load_w = std::max(r.power_w, b.expected_w);
    if (r.power_w > b.high_w) {
        d.budget_w = std::max(0.0, b.planned_w - (r.power_w - b.mid_w));
        d.reason = load + " above the band: reducing by " + fmt_w(r.power_w - b.mid_w);
        return;
    }
    if (load_w >= b.low_w)
        return hold(
            b,
            load + " inside the band (" + pct(s.band_low_pct) + " - " + pct(s.band_high_pct) + ")",
            d);
    const double since_add_s = st.last_add ? (now - ms_of(st.last_add)) / 1000 : 1e12;
    const double since_shed_s = st.last_shed ? (now - ms_of(st.last_shed)) / 1000 : 1e12;
    if (since_shed_s < seconds(s.shed_hold))
        return hold(b,
                    load + " below the band; adding again " +
                        fmt_s(seconds(s.shed_hold) - since_shed_s) + " after the shed",
                    d);
    if (since_add_s < seconds(s.settle))
        return hold(b,
                    load + " below the band; settling (" + fmt_s(seconds(s.settle) - since_add_s) +
                        " left)",
                    d);
    const double room_w = b.high_w - load_w;
    const double smallest = smallest_increment_w(snap, s.start_margin_w);
    double add = std::min(b.step_w, b.mid_w - load_w);
    if (add < smallest) add = smallest <= room_w ? smallest : 0;
    if (add <= 0)
        return hold(b, load + " below the band, but no miner step fits under the upper edge", d);
    st.last_add = at_ms(now);
    d.budget_w = b.planned_w + add;
    d.reason = load + " below the band: adding " + fmt_w(add);
}

}  // namespace

Decision GensetFollowPolicy::decide(const SiteSnapshot& snap, const PolicyMemory& memory) const {
    Decision d;
    d.policy = std::string(name());
    Readings r;
    r.nominal_hz = settings_.nominal_frequency_hz;
    r.max_dip_hz = settings_.max_frequency_dip_hz;
    if (std::string why = read(snap, settings_.rating_w, r); !why.empty()) {
        d.fail_safe = true;
        d.reason = std::move(why);
        d.memory = memory;
        return d;
    }
    GensetFollowState st = state_of<GensetFollowState>(memory);
    const double now = now_ms(snap);
    const TimePoint tick = at_ms(now);
    if (r.running < 0.5) {
        // Generator down: nothing may be planned, so that load comes back staged, not as a block.
        st = GensetFollowState{.stopped = true, .last_shed = st.last_shed};
        d.budget_w = 0;
        d.shed = true;
        d.reason = "generator stopped: every miner paused until it has run " +
                   fmt_s(seconds(settings_.restart_delay));
    } else {
        if (st.stopped || !st.running_since) {
            // After a stop, the warm-up starts now; at the daemon's start the generator is taken
            // as warm (the staged start still adds one step at a time).
            st.running_since = st.stopped ? tick : tick - settings_.restart_delay;
            st.stopped = false;
        }
        const Band b = band_of(snap, r, settings_);
        const double warm_s = (now - ms_of(st.running_since)) / 1000;
        const bool shedding = shed(r, b, now, st, d);
        if (!shedding && warm_s < seconds(settings_.restart_delay)) {
            d.budget_w = 0;
            d.reason = "generator warming up: " + fmt_s(warm_s) + " of " +
                       fmt_s(seconds(settings_.restart_delay)) + " before the staged start";
        } else if (!shedding) {
            follow(snap, r, b, settings_, now, st, d);
        }
    }
    d.memory = memory_of(std::move(st));
    return d;
}

}  // namespace hashsink::policies
