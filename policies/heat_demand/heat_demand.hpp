// heat_demand: a thermostat per zone. Holds each zone's temperature in its hysteresis band by
// giving the zone's miners a heat floor (a power they must draw, proportional to the error) and
// a ceiling (the zone's max_power_w; nothing beyond the floor once max_store_c is reached).
// See README.md beside this file.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "daemon/core/policy.hpp"
#include "daemon/core/settings.hpp"
#include "policies/common/intent.hpp"
#include "policies/common/policy_with.hpp"
#include "policies/heat_demand/heat_zone.hpp"

namespace hashsink::policies {

struct HeatDemandSettings {
    std::vector<HeatZone> zones;
    // Local time for the comfort windows: the site's zone ([site] timezone) when given, else
    // the fixed UTC + utc_offset_min.
    std::optional<TimeZone> time_zone;
    int utc_offset_min = 0;

    static const Settings<HeatDemandSettings>& settings();  // defaults and ranges
    static const KeyTable& keys();
    static HeatDemandSettings from(const Options& options,
                                   const std::optional<TimeZone>& time_zone = std::nullopt);
};

// What the thermostat carries between ticks for one zone (journalled, policies/common/state.hpp).
struct HeatZoneState {
    bool heating = false;                    // inside a heating run
    std::optional<TimePoint> heating_since;  // the run's start
    std::optional<TimePoint> rested_since;   // the last run's end
    double integral = 0;                     // share of the span learnt for the steady heat loss
    std::optional<TimePoint> last_tick;      // the tick before (the integral's step)
    bool store_full = false;                 // at max_store_c: nothing beyond the floor
    std::optional<TimePoint> preheat_for;    // the comfort window being pre-heated for
    double warm_k_per_h = 1.0;               // learnt warming rate at full power
    std::optional<TimePoint> rate_from;      // a stretch of full-power heating began then...
    std::optional<double> rate_from_c;       // ...at this temperature

    static constexpr auto fields() {
        using S = HeatZoneState;
        return std::tuple{
            field("heating", &S::heating),           field("heating_since", &S::heating_since),
            field("rested_since", &S::rested_since), field("integral", &S::integral),
            field("last_tick", &S::last_tick),       field("store_full", &S::store_full),
            field("preheat_for", &S::preheat_for),   field("warm_k_per_h", &S::warm_k_per_h),
            field("rate_from", &S::rate_from),       field("rate_from_c", &S::rate_from_c)};
    }
    bool operator==(const HeatZoneState&) const = default;
};

struct HeatDemandState {
    std::map<std::string, HeatZoneState> zones;  // by zone id

    static constexpr int kVersion = 1;
    static constexpr auto fields() { return std::tuple{field("zones", &HeatDemandState::zones)}; }
    bool operator==(const HeatDemandState&) const = default;
};

class HeatDemandPolicy final
    : public PolicyWith<Precedence::heat_floor, HeatDemandSettings, HeatDemandState>,
      public FloorSource {
public:
    explicit HeatDemandPolicy(HeatDemandSettings settings) : PolicyWith(std::move(settings)) {}
    std::string_view name() const override { return "heat_demand"; }
    // Floors and ceilings for every zone's miners; the budget is the sum of the floors.
    Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const override;

    // The zone a miner heats (the first naming it), or null.
    const HeatZone* zone_of(const std::string& miner_id) const;
    // Only in a zone with below_floor_allowed.
    bool floor_may_yield(const std::string& miner_id) const override;

private:
    HeatZoneView decide_zone(const HeatZone& zone, const SiteSnapshot& snap, HeatZoneState& state,
                             Decision& out) const;
};

}  // namespace hashsink::policies
