// Heat in a simulation: the zones a heat_demand policy heats, the modelled buildings that turn
// their miners' power into an indoor temperature, and the heat metrics (docs/simulator.md,
// "Heat").
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "daemon/core/snapshot.hpp"
#include "daemon/sim/building_model.hpp"
#include "daemon/sim/trace.hpp"

namespace hashsink::sim {

enum class Replaces { electric, heat_pump, gas };

struct HeatZone {
    std::string id;
    std::vector<std::string> miners;    // every watt they draw heats the zone
    std::string temperature_signal;     // where the simulated indoor temperature is published
    std::string outdoor_signal;         // and the trace's outdoor temperature (empty: not)
    double comfort_c = 21;
    double setback_c = 17;
    double hysteresis_k = 0.5;
    double max_store_c = 0;             // 0: none, the band's top is target + hysteresis
    // The target at a time: comfort_c inside a comfort window, setback_c outside.
    std::function<double(TimePoint)> target_c;
    Replaces replaces = Replaces::electric;
    double cop = 3;
    double gas_price_per_kwh = 0;
    double boiler_efficiency = 0.9;

    double band_low_c(TimePoint t) const { return target_c(t) - hysteresis_k; }
    double band_high_c(TimePoint t) const;
    // What one kWh of wanted heat is worth: what the replaced heating would have cost.
    double heat_price_per_kwh(double import_price_per_kwh) const;
};

struct HeatMetrics {
    double comfort_violation_kh = 0;
    double heat_delivered_kwh = 0;
    double heat_wanted_kwh = 0;
    double heat_value = 0;
};

// Runs alongside one simulation: models the buildings, publishes the zone temperatures,
// scores comfort and heat. Zones without a building follow the trace's indoor_temp_c (and are
// then scored but not affected by the miners).
class HeatSim {
public:
    // miner_ids: the simulation's miners, in order.
    HeatSim(const Trace& trace, const std::vector<HeatZone>& zones,
            const std::vector<BuildingParams>& buildings, const std::vector<std::string>& miner_ids);
    bool active() const { return !zones_.empty(); }
    // Writes each zone's temperature and the outdoor temperature as sensors would.
    void publish(double t_s, TimePoint now, SiteSnapshot& snap) const;
    // After the miners drew miner_power_w[i] (idle included) for dt_s from t_s.
    void advance(double t_s, double dt_s, const std::vector<double>& miner_power_w,
                 double import_price_per_kwh);
    const HeatMetrics& metrics() const { return metrics_; }
    double temperature_c(std::size_t zone) const;

private:
    struct State {
        const HeatZone* zone;
        std::vector<std::size_t> miners;
        std::optional<BuildingModel> building;
        double ua_w_per_k = 0;
        double t_in_c = 0;
        double delivered_j = 0;         // miner heat so far
        double credited_j = 0;          // of which counted as wanted
    };
    double indoor_c(const State& s, double t_s) const;

    const Trace& trace_;
    std::vector<State> zones_;
    HeatMetrics metrics_;
};

// Checks that the trace carries what the zones need: an outdoor temperature for every
// modelled building, an indoor temperature for every zone without one.
Status check_heat_inputs(const Trace& trace, const std::vector<HeatZone>& zones,
                         const std::vector<BuildingParams>& buildings);

}  // namespace hashsink::sim
