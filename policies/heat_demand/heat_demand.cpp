#include "policies/heat_demand/heat_demand.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
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
// Optimum start: the warming rate assumed until one is learnt, its bounds, and how long a
// stretch of full-power heating makes one sample of it.
constexpr double kDefaultWarmKPerH = 1.0;
constexpr double kMinWarmKPerH = 0.1;
constexpr double kMaxWarmKPerH = 10.0;
constexpr double kRateSampleS = 1200;
constexpr double kRateWeight = 0.3;     // of a new sample against what was learnt

std::string fmt_c(double c) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f °C", c);
    return buf;
}

std::string fmt_pct(double f) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f%%", 100 * f);
    return buf;
}

// Memory keys of a zone: "<what>.<zone id>".
std::string key(const char* what, const std::string& zone) { return std::string(what) + "." + zone; }

// Optimum start: ahead of a comfort window, aim at comfort_c once the time left is what the
// zone needs to warm up at its learnt rate. Latched until the window opens, so the warming
// itself does not call it off.
bool preheat(const HeatZone& zone, const SiteSnapshot& snap, double t, double now,
             PolicyMemory& mem) {
    const std::string preheat_key = key("preheat_ms", zone.id);
    auto start = zone.next_comfort_start(snap);
    if (!start) {
        mem.erase(preheat_key);
        return false;
    }
    const double start_ms = static_cast<double>(unix_ms(*start));
    const double need_ms = std::max(0.0, zone.comfort_c - t) /
                           mem.get(key("rate", zone.id), kDefaultWarmKPerH) * 3.6e6;
    if (mem.has(preheat_key) || need_ms >= start_ms - now) mem.set(preheat_key, start_ms);
    return mem.has(preheat_key);
}

// The zone's warming rate at full power (K/h, "rate.<zone>"), for optimum start: one sample per
// kRateSampleS of uninterrupted full-power heating, averaged into what was learnt.
void learn_warming_rate(const std::string& zone_id, bool full_power, double t, double now,
                        PolicyMemory& mem) {
    const std::string from_ms = key("rate_from_ms", zone_id), from_c = key("rate_from_c", zone_id);
    if (!full_power) {
        mem.erase(from_ms);
        mem.erase(from_c);
        return;
    }
    if (!mem.has(from_ms)) {
        mem.set(from_ms, now);
        mem.set(from_c, t);
        return;
    }
    const double hours = (now - mem.get(from_ms)) / 3.6e6;
    if (hours * 3600 < kRateSampleS) return;
    const double sample = (t - mem.get(from_c)) / hours;
    const std::string rate_key = key("rate", zone_id);
    const double learnt = mem.get(rate_key, kDefaultWarmKPerH);
    mem.set(rate_key,
            std::clamp(learnt + kRateWeight * (sample - learnt), kMinWarmKPerH, kMaxWarmKPerH));
    mem.set(from_ms, now);
    mem.set(from_c, t);
}

struct ZoneMiner {
    const MinerView* view = nullptr;
    double lowest_w = 0;
    double cap_w = 0;       // its share of the zone's max_power_w (0: none fits)
};

}  // namespace

const KeyTable& HeatDemandSettings::keys() {
    static const KeyTable table = {
        {.name = "zones", .type = KeyType::table_list,
         .doc = "The heated zones, one [[policy.heat_demand.zones]] table each.",
         .required = true, .fields = HeatZone::keys()},
        {.name = "utc_offset_min", .type = KeyType::integer,
         .doc = "Local time minus UTC, in minutes, for the comfort windows: a fixed offset "
                "used only when [site] timezone is not given (prefer timezone: it follows "
                "daylight saving).",
         .unit = "min", .fallback = std::int64_t{0}, .min = -720.0, .max = 840.0},
    };
    return table;
}

HeatDemandSettings HeatDemandSettings::from(const Options& given,
                                            const std::optional<TimeZone>& time_zone) {
    Options o = with_defaults(keys(), given);
    HeatDemandSettings s;
    s.time_zone = time_zone;
    s.utc_offset_min = static_cast<int>(o.get_int("utc_offset_min"));
    for (std::size_t i = 0; i < list_size(o, "zones"); ++i)
        s.zones.push_back(HeatZone::from(list_item(o, "zones", i, HeatZone::keys()),
                                         s.utc_offset_min, time_zone));
    return s;
}

const HeatZone* HeatDemandPolicy::zone_of(const std::string& miner_id) const {
    for (const auto& z : settings_.zones)
        if (z.has_miner(miner_id)) return &z;
    return nullptr;
}

Decision HeatDemandPolicy::decide(const SiteSnapshot& snap, const PolicyMemory& memory) const {
    Decision d;
    d.policy = std::string(name());
    d.memory = memory;
    std::set<std::string> ids;
    for (const auto& zone : settings_.zones) {
        HeatZoneView z = decide_zone(zone, snap, d.memory, d);
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
        d.heat_zones.push_back(std::move(z));
    }
    if (settings_.zones.empty()) d.reason = "no heat zones";
    // State of zones no longer configured goes.
    for (auto it = d.memory.values().begin(); it != d.memory.values().end();) {
        const std::string k = it->first;
        ++it;
        auto dot = k.find('.');
        if (dot == std::string::npos || !ids.count(k.substr(dot + 1))) d.memory.erase(k);
    }
    return d;
}

HeatZoneView HeatDemandPolicy::decide_zone(const HeatZone& zone, const SiteSnapshot& snap,
                                         PolicyMemory& mem, Decision& out) const {
    HeatZoneView z;
    z.id = zone.id;
    z.signal = zone.temperature;
    z.target_c = zone.target_c(snap);

    // The zone's usable miners (a miner named by an earlier zone belongs to that one), each
    // with its share of max_power_w, first come first served.
    std::vector<ZoneMiner> miners;
    double budget_left = zone.max_power_w, lowest_w = std::numeric_limits<double>::infinity();
    double top_w = 0;
    for (const auto& id : zone.miners) {
        if (zone_of(id) != &zone) continue;
        auto view = std::find_if(snap.miners.begin(), snap.miners.end(),
                                 [&](const MinerView& m) { return m.id == id; });
        if (view == snap.miners.end()) continue;
        out.miner_ceiling_w[id] = 0;    // until a share is given below
        if (!view->state_fresh) continue;
        auto levels = usable_levels(*view);
        if (levels.empty()) continue;
        ZoneMiner m{&*view, levels.front().power_w, 0};
        m.cap_w = std::min(levels.back().power_w, budget_left);
        if (m.cap_w < m.lowest_w - 1e-9) m.cap_w = 0;
        budget_left -= m.cap_w;
        top_w += m.cap_w;
        if (m.cap_w > 0) lowest_w = std::min(lowest_w, m.lowest_w);
        miners.push_back(m);
    }

    const double now = now_ms(snap);
    const std::string heating_key = key("heating", zone.id), on_key = key("on_ms", zone.id),
                      off_key = key("off_ms", zone.id), i_key = key("integral", zone.id),
                      last_key = key("last_ms", zone.id), full_key = key("full", zone.id);
    auto stop_heating = [&] {
        if (mem.get(heating_key) >= 0.5) mem.set(off_key, now);
        mem.erase(heating_key);
        mem.erase(on_key);
    };

    z.temperature_c = zone.temperature_now(snap);
    if (!z.temperature_c) {
        // Safe state: paused (ceiling 0), or every miner at its lowest level within the zone's
        // max_power_w.
        z.stale = true;
        stop_heating();
        mem.erase(last_key);
        for (const auto& m : miners) {
            const double w = zone.safe_minimum && m.cap_w > 0 ? m.lowest_w : 0;
            out.miner_ceiling_w[m.view->id] = w;
            if (w > 0) out.miner_floor_w[m.view->id] = w;
            z.floor_w += w;
        }
        return z;
    }
    const double t = *z.temperature_c, band = zone.hysteresis_k;

    if (preheat(zone, snap, t, now, mem)) {
        z.preheating = true;
        z.target_c = zone.comfort_c;
    }

    // Hysteresis over the whole band (setpoint ± hysteresis_k) with minimum run and rest times:
    // a narrower band only cycles the miners more often.
    bool heating = mem.get(heating_key) >= 0.5;
    if (heating) {
        const double ran_s = (now - mem.get(on_key, now)) / 1000;
        if (t >= z.target_c + band && ran_s >= seconds(zone.min_run)) {
            stop_heating();
            heating = false;
        }
    } else {
        const bool rested =
            !mem.has(off_key) || (now - mem.get(off_key)) / 1000 >= seconds(zone.min_rest);
        if (t <= z.target_c - band && rested) {
            heating = true;
            mem.set(heating_key, 1);
            mem.set(on_key, now);
        }
    }
    // Store full: nothing beyond the floor until the zone cools a band below max_store_c.
    bool full = mem.get(full_key) >= 0.5;
    if (t >= zone.max_store_c) full = true;
    else if (t <= zone.max_store_c - zone.hysteresis_k) full = false;
    if (full) mem.set(full_key, 1);
    else mem.erase(full_key);

    // Demand: proportional to the error below the setpoint, plus an integral that learns the
    // steady heat loss, plus the outdoor temperature fed forward.
    if (heating && !miners.empty() && top_w > 0) {
        const double error = z.target_c - t;
        double integral = mem.get(i_key);
        if (mem.has(last_key)) {
            const double dt_s = std::clamp((now - mem.get(last_key)) / 1000, 0.0, kMaxStepS);
            integral = std::clamp(integral + error / kSpanK * dt_s / kIntegralS, 0.0, 1.0);
        }
        mem.set(i_key, integral);
        double feed = 0;
        if (auto outdoor = zone.outdoor_now(snap))
            feed = kOutdoorShare * std::clamp((z.target_c - *outdoor) / kOutdoorSpanK, 0.0, 1.0);
        z.fraction = std::clamp(error / kSpanK + integral + feed, 0.0, 1.0);
        z.floor_w = lowest_w + z.fraction * std::max(0.0, top_w - lowest_w);
    }
    learn_warming_rate(zone.id, heating && z.fraction >= 0.999, t, now, mem);
    z.heating = heating;
    mem.set(last_key, now);

    // The floor taken by the miners in order, each at least its lowest level, within its share.
    double floor_left = z.floor_w;
    z.floor_w = 0;
    for (const auto& m : miners) {
        double f = 0;
        if (floor_left > 1e-9 && m.cap_w > 0) f = std::min(m.cap_w, std::max(floor_left, m.lowest_w));
        floor_left -= f;
        z.floor_w += f;
        if (f > 0) out.miner_floor_w[m.view->id] = f;
        out.miner_ceiling_w[m.view->id] = full ? f : m.cap_w;
    }
    return z;
}

}  // namespace hashsink::policies
