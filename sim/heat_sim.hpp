// Heat in a simulation: the heat_demand policy's zones, the modelled buildings that turn their
// miners' power into an indoor temperature, and the heat metrics (docs/simulator.md, "Heat").
#pragma once

#include <string>
#include <vector>

#include "daemon/core/snapshot.hpp"
#include "sim/building_model.hpp"
#include "sim/trace.hpp"
#include "policies/heat_demand/heat_zone.hpp"

namespace hashsink::sim {

// The band a zone is scored against at a time: [target − hysteresis_k, high], high =
// max_store_c when set (> 0), else target + hysteresis_k (docs/simulator.md, "Heat").
struct ComfortBand {
    double target_c, low_c, high_c;
};
ComfortBand comfort_band(const policies::HeatZone& zone, TimePoint now);

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
    HeatSim(const Trace& trace, const std::vector<policies::HeatZone>& zones,
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
        const policies::HeatZone* zone;
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
Status check_heat_inputs(const Trace& trace, const std::vector<policies::HeatZone>& zones,
                         const std::vector<BuildingParams>& buildings);

}  // namespace hashsink::sim
