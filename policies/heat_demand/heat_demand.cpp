#include "policies/heat_demand/heat_demand.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "policies/common/policy_util.hpp"

namespace hashsink::policies {
namespace {

// Proportional span: an error of this below the setpoint adds the whole span (lowest level to
// max_power_w) to the floor.
constexpr double kSpanK = 2.0;
// Integral action: a steady error of kSpanK adds the whole span in this time. It learns the
// zone's steady heat loss, so it is kept between heating runs (only updated while heating).
constexpr double kIntegralS = 1800;
constexpr double kMaxStepS = 60;    // a longer gap between ticks counts as this
// Feed-forward: this far below the setpoint outside, the floor starts kOutdoorShare higher.
constexpr double kOutdoorSpanK = 25;
constexpr double kOutdoorShare = 0.3;
// Optimum start: the bounds of the warming rate (HeatZoneState::warm_k_per_h until one is
// learnt), and how long a stretch of full-power heating makes one sample of it.
constexpr double kMinWarmKPerH = 0.1;
constexpr double kMaxWarmKPerH = 10.0;
constexpr double kRateSampleS = 1200;
constexpr double kRateWeight = 0.3;     // of a new sample against what was learnt

std::string fmt_c(double c) { return fmt("%.1f °C", c); }

std::string fmt_pct(double f) { return fmt("%.0f%%", 100 * f); }

// Optimum start: ahead of a comfort window, aim at comfort_c once the time left is what the
// zone needs to warm up at its learnt rate. Latched until the window opens, so the warming
// itself does not call it off.
bool preheat(const HeatZone& zone, const SiteSnapshot& snap, double t, double now,
             HeatZoneState& st) {
    auto start = zone.next_comfort_start(snap);
    if (!start) {
        st.preheat_for.reset();
        return false;
    }
    const double start_ms = static_cast<double>(unix_ms(*start));
    const double need_ms = std::max(0.0, zone.comfort_c - t) / st.warm_k_per_h * 3.6e6;
    if (st.preheat_for || need_ms >= start_ms - now) st.preheat_for = *start;
    return st.preheat_for.has_value();
}

// The zone's warming rate at full power (K/h), for optimum start: one sample per kRateSampleS
// of uninterrupted full-power heating, averaged into what was learnt.
void learn_warming_rate(bool full_power, double t, double now, HeatZoneState& st) {
    if (!full_power) {
        st.rate_from.reset();
        st.rate_from_c.reset();
        return;
    }
    if (!st.rate_from) {
        st.rate_from = at_ms(now);
        st.rate_from_c = t;
        return;
    }
    const double hours = (now - ms_of(st.rate_from)) / 3.6e6;
    if (hours * 3600 < kRateSampleS) return;
    const double sample = (t - st.rate_from_c.value_or(0)) / hours;
    const double learnt = st.warm_k_per_h;
    st.warm_k_per_h =
        std::clamp(learnt + kRateWeight * (sample - learnt), kMinWarmKPerH, kMaxWarmKPerH);
    st.rate_from = at_ms(now);
    st.rate_from_c = t;
}

struct ZoneMiner {
    const MinerView* view = nullptr;
    double lowest_w = 0;
    double cap_w = 0;       // its share of the zone's max_power_w (0: none fits)
};

// A zone's usable miners, each with its share of max_power_w, first come first served.
struct ZoneFleet {
    std::vector<ZoneMiner> miners;
    double lowest_w = std::numeric_limits<double>::infinity();  // the lowest level with a share
    double top_w = 0;                                           // the shares together
};

// A heating run ends: the rest starts now.
void stop_heating(double now, HeatZoneState& st) {
    if (st.heating) st.rested_since = at_ms(now);
    st.heating = false;
    st.heating_since.reset();
}

// Hysteresis over the whole band (setpoint ± hysteresis_k) with minimum run and rest times: a
// narrower band only cycles the miners more often. Whether the zone heats now.
bool hysteresis(const HeatZone& zone, double t, double target_c, double now, HeatZoneState& st) {
    const double band = zone.hysteresis_k;
    if (st.heating) {
        const double ran_s = (now - ms_of(st.heating_since, now)) / 1000;
        if (t >= target_c + band && ran_s >= seconds(zone.min_run)) stop_heating(now, st);
    } else {
        const bool rested =
            !st.rested_since || (now - ms_of(st.rested_since)) / 1000 >= seconds(zone.min_rest);
        if (t <= target_c - band && rested) {
            st.heating = true;
            st.heating_since = at_ms(now);
        }
    }
    // Store full: nothing beyond the floor until the zone cools a band below max_store_c.
    if (t >= zone.max_store_c)
        st.store_full = true;
    else if (t <= zone.max_store_c - zone.hysteresis_k)
        st.store_full = false;
    return st.heating;
}

// Demand, as a share of the span: proportional to the error below the setpoint, plus an
// integral that learns the steady heat loss, plus the outdoor temperature fed forward.
double demand(const HeatZone& zone, const SiteSnapshot& snap, double t, double target_c, double now,
              HeatZoneState& st) {
    const double error = target_c - t;
    if (st.last_tick) {
        const double dt_s = std::clamp((now - ms_of(st.last_tick)) / 1000, 0.0, kMaxStepS);
        st.integral = std::clamp(st.integral + error / kSpanK * dt_s / kIntegralS, 0.0, 1.0);
    }
    double feed = 0;
    if (auto outdoor = zone.outdoor_now(snap))
        feed = kOutdoorShare * std::clamp((target_c - *outdoor) / kOutdoorSpanK, 0.0, 1.0);
    return std::clamp(error / kSpanK + st.integral + feed, 0.0, 1.0);
}

ZoneFleet zone_fleet(const HeatDemandPolicy& policy, const HeatZone& zone, const SiteSnapshot& snap,
                     Decision& out) {
    ZoneFleet fleet;
    double budget_left = zone.max_power_w;
    for (const auto& id : zone.miners) {
        if (policy.zone_of(id) != &zone) continue;  // a miner named by an earlier zone is its
        auto view = std::find_if(snap.miners.begin(), snap.miners.end(),
                                 [&](const MinerView& m) { return m.id == id; });
        if (view == snap.miners.end()) continue;
        out.miner_ceiling_w[id] = 0;  // until a share is given below
        if (!view->state_fresh) continue;
        auto levels = usable_levels(*view);
        if (levels.empty()) continue;
        ZoneMiner m{&*view, levels.front().power_w, 0};
        m.cap_w = std::min(levels.back().power_w, budget_left);
        if (m.cap_w < m.lowest_w - 1e-9) m.cap_w = 0;
        budget_left -= m.cap_w;
        fleet.top_w += m.cap_w;
        if (m.cap_w > 0) fleet.lowest_w = std::min(fleet.lowest_w, m.lowest_w);
        fleet.miners.push_back(m);
    }
    return fleet;
}

}  // namespace

const Settings<HeatDemandSettings>& HeatDemandSettings::settings() {
    static const auto settings =
        Settings<HeatDemandSettings>{}
            .bind(&HeatDemandSettings::zones,
                  {.name = "zones",
                   .doc = "The heated zones, one [[policy.heat_demand.zones]] table each.",
                   .required = true},
                  HeatZone::settings())
            .bind(&HeatDemandSettings::utc_offset_min,
                  {.name = "utc_offset_min",
                   .doc = "Local time minus UTC, in minutes, for the comfort windows: a fixed "
                          "offset used only when [site] timezone is not given (prefer timezone: "
                          "it follows daylight saving).",
                   .unit = "min",
                   .fallback = std::int64_t{0},
                   .min = -720.0,
                   .max = 840.0});
    return settings;
}

const KeyTable& HeatDemandSettings::keys() { return settings().keys(); }

HeatDemandSettings HeatDemandSettings::from(const Options& options,
                                            const std::optional<TimeZone>& time_zone) {
    HeatDemandSettings s = settings().from(options);
    s.time_zone = time_zone;
    for (auto& zone : s.zones) {
        zone.comfort.utc_offset_min = s.utc_offset_min;
        zone.comfort.time_zone = time_zone;
    }
    return s;
}

bool HeatDemandPolicy::floor_may_yield(const std::string& miner_id) const {
    const HeatZone* zone = zone_of(miner_id);
    return zone != nullptr && zone->below_floor_allowed;
}

const HeatZone* HeatDemandPolicy::zone_of(const std::string& miner_id) const {
    for (const auto& z : settings_.zones)
        if (z.has_miner(miner_id)) return &z;
    return nullptr;
}

Decision HeatDemandPolicy::decide(const SiteSnapshot& snap, const PolicyMemory& memory) const {
    Decision d;
    d.policy = std::string(name());
    HeatDemandState st = state_of<HeatDemandState>(memory);
    std::set<std::string> ids;
    for (const auto& zone : settings_.zones) {
        HeatZoneView z = decide_zone(zone, snap, st.zones[zone.id], d);
        ids.insert(zone.id);
        d.budget_w += z.floor_w;
        std::string line = zone.id + " ";
        if (z.stale) {
            line += "temperature stale or missing: safe state (" +
                    std::string(zone.safe_minimum ? "minimum" : "paused") + ")";
        } else {
            line += fmt_c(*z.temperature_c) + " (target " + fmt_c(z.target_c) +
                    (z.preheating ? ", pre-heating for comfort" : "") + "): ";
            line += z.heating ? "heating " + fmt_pct(z.fraction) + ", floor " + fmt_w(z.floor_w)
                              : "no heat needed";
        }
        d.reason += (d.reason.empty() ? "" : "; ") + line;
        d.report.heat_zones.push_back(std::move(z));
    }
    if (settings_.zones.empty()) d.reason = "no heat zones";
    // State of zones no longer configured goes.
    std::erase_if(st.zones, [&](const auto& entry) { return !ids.count(entry.first); });
    d.memory = memory_of(std::move(st));
    return d;
}

HeatZoneView HeatDemandPolicy::decide_zone(const HeatZone& zone, const SiteSnapshot& snap,
                                           HeatZoneState& st, Decision& out) const {
    HeatZoneView z;
    z.id = zone.id;
    z.signal = zone.temperature;
    z.target_c = zone.target_c(snap);
    const ZoneFleet fleet = zone_fleet(*this, zone, snap, out);
    const double now = now_ms(snap);
    z.temperature_c = zone.temperature_now(snap);
    if (!z.temperature_c) {
        // Safe state: paused (ceiling 0), or every miner at its lowest level within the zone's
        // max_power_w.
        z.stale = true;
        stop_heating(now, st);
        st.last_tick.reset();
        for (const auto& m : fleet.miners) {
            const double w = zone.safe_minimum && m.cap_w > 0 ? m.lowest_w : 0;
            out.miner_ceiling_w[m.view->id] = w;
            if (w > 0) out.miner_floor_w[m.view->id] = w;
            z.floor_w += w;
        }
        return z;
    }
    const double t = *z.temperature_c;
    if (preheat(zone, snap, t, now, st)) {
        z.preheating = true;
        z.target_c = zone.comfort_c;
    }
    z.heating = hysteresis(zone, t, z.target_c, now, st);
    if (z.heating && !fleet.miners.empty() && fleet.top_w > 0) {
        z.fraction = demand(zone, snap, t, z.target_c, now, st);
        z.floor_w = fleet.lowest_w + z.fraction * std::max(0.0, fleet.top_w - fleet.lowest_w);
    }
    learn_warming_rate(z.heating && z.fraction >= 0.999, t, now, st);
    st.last_tick = at_ms(now);

    // The floor taken by the miners in order, each at least its lowest level, within its share.
    double floor_left = z.floor_w;
    z.floor_w = 0;
    for (const auto& m : fleet.miners) {
        double f = 0;
        if (floor_left > 1e-9 && m.cap_w > 0) f = std::min(m.cap_w, std::max(floor_left, m.lowest_w));
        floor_left -= f;
        z.floor_w += f;
        if (f > 0) out.miner_floor_w[m.view->id] = f;
        out.miner_ceiling_w[m.view->id] = st.store_full ? f : m.cap_w;
    }
    return z;
}

}  // namespace hashsink::policies
