// heat_demand: a thermostat per zone. Holds each zone's temperature in its hysteresis band by
// giving the zone's miners a heat floor (a power they must draw, proportional to the error) and
// a ceiling (the zone's max_power_w; nothing beyond the floor once max_store_c is reached).
// See README.md beside this file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/core/options.hpp"
#include "daemon/core/policy.hpp"
#include "policies/heat_demand/heat_zone.hpp"

namespace hashsink::policies {

struct HeatDemandSettings {
    std::vector<HeatZone> zones;
    // Local time for the comfort windows: the site's zone ([site] timezone) when given, else
    // the fixed UTC + utc_offset_min.
    std::optional<TimeZone> time_zone;
    int utc_offset_min = 0;

    static const KeyTable& keys();
    static HeatDemandSettings from(const Options& options,
                                   const std::optional<TimeZone>& time_zone = std::nullopt);
};


class HeatDemandPolicy final : public Policy {
public:
    explicit HeatDemandPolicy(HeatDemandSettings settings) : settings_(std::move(settings)) {}
    std::string_view name() const override { return "heat_demand"; }
    // Floors and ceilings for every zone's miners; the budget is the sum of the floors.
    Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const override;

    const HeatDemandSettings& settings() const { return settings_; }
    // The zone a miner heats (the first naming it), or null.
    const HeatZone* zone_of(const std::string& miner_id) const;

private:
    HeatZoneView decide_zone(const HeatZone& zone, const SiteSnapshot& snap, PolicyMemory& memory,
                           Decision& out) const;

    HeatDemandSettings settings_;
};

}  // namespace hashsink::policies
