// A heated zone: a room (or a building) warmed by some miners, its temperature signal, its
// setpoints and what its heat replaces. Pure helpers shared by heat_demand (the thermostat)
// and economics (the heat credit). See README.md beside this file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/core/settings.hpp"
#include "daemon/core/snapshot.hpp"
#include "policies/schedule/schedule.hpp"

namespace hashsink::policies {

// What the zone's heat would otherwise come from, so what a kWh of it is worth.
enum class HeatReplaces { electric, heat_pump, gas };
const char* to_string(HeatReplaces r) noexcept;

struct HeatZone {
    std::string id;
    std::vector<std::string> miners;        // miner ids, in the order they take the floor
    std::string temperature;                // signal names (°C)
    std::string outdoor_temperature;        // empty: no feed-forward
    double comfort_c = 0;
    double setback_c = 0;
    ScheduleSettings comfort;               // comfort windows (their mode is unused)
    double hysteresis_k = 0;
    double max_store_c = 0;
    double max_power_w = 0;
    Duration min_run{};
    Duration min_rest{};
    Duration stale_after{};
    Duration preheat_max{};  // optimum start: at most this early (0: off)
    HeatReplaces replaces = HeatReplaces::electric;
    double cop = 0;
    double gas_price_per_kwh = 0;
    double boiler_efficiency = 0;
    bool below_floor_allowed = false;
    bool safe_minimum = false;  // safe_state = "minimum" (else paused)

    // Keys of one [[policy.heat_demand.zones]] entry, with their defaults and ranges.
    static const Settings<HeatZone>& settings();
    static const KeyTable& keys();
    // Comfort windows follow time_zone (the site's) when given, else the fixed utc_offset_min.
    static HeatZone from(const Options& entry, int utc_offset_min,
                         const std::optional<TimeZone>& time_zone = std::nullopt);

    // The zone's temperature now: fresh by its source's max age and younger than stale_after.
    std::optional<double> temperature_now(const SiteSnapshot& snap) const;
    std::optional<double> outdoor_now(const SiteSnapshot& snap) const;
    bool in_comfort(const SiteSnapshot& snap) const;
    double target_c(const SiteSnapshot& snap) const {
        return in_comfort(snap) ? comfort_c : setback_c;
    }
    // Heat is wanted now, with a thermostat's memory: below the band (target - hysteresis_k)
    // yes, at its top (target + hysteresis_k, where a heating run stops) no, inside it as on
    // the tick before (wanted_before), so a zone warmed to the top wants nothing until it has
    // cooled through the band. Within preheat_max of a comfort window, the comfort band.
    bool wants_heat(const SiteSnapshot& snap, bool wanted_before) const;
    // The next comfort window's start within preheat_max, while outside comfort.
    std::optional<TimePoint> next_comfort_start(const SiteSnapshot& snap) const;
    bool has_miner(const std::string& miner_id) const;
};

// What a kWh of heat is worth in a zone, currency/kWh: what making it the replaced way would
// cost. Electric: the import price; heat pump: the import price / COP; gas: the gas price /
// boiler efficiency. Nullopt when that price is unknown (no import price for the first two).
std::optional<double> heat_value_per_kwh(const HeatZone& zone,
                                         std::optional<double> import_per_kwh);

}  // namespace hashsink::policies
