// The simulated site: what the inverter could give (or the generator can carry), the house's
// load, and the signals a meter would report for a given fleet draw.
#pragma once

#include "daemon/core/snapshot.hpp"
#include "sim/simulator.hpp"
#include "sim/trace.hpp"

namespace hashsink::sim {

struct SiteInputs {
    bool genset = false;
    double potential_ac_w = 0;      // inverter output without any export limit (clipped at AC max)
    double dc_w = -1;               // DC power when known
    double ac_max_w = 0;            // 0: unknown
    double house_w = 0;
    double export_limit_w = -1;     // <0: none
    double capacity_w = 0;          // generator: what the fuel supply allows now
    double frequency_hz = 60;
    double price_import = 0, price_feed_in = 0, hashprice = 0;
    double soc_pct = -1;
    // Power the fleet could take (above idle) without import, curtailment or overload.
    double surplus_w = 0;
};

struct SiteFlows {
    double grid_w = 0;              // + import
    double pv_out_w = 0;
    bool throttled = false;
    double genset_load_w = 0;
};

class SiteModel {
public:
    SiteModel(const Trace& trace, const SimSettings& settings, double idle_w);
    bool genset() const { return genset_; }
    SiteInputs inputs(double t_s) const;
    // fleet_w: the fleet's true draw (idle included).
    SiteFlows flows(const SiteInputs& in, double fleet_w) const;
    // Writes the signals a meter, inverter or generator controller would report.
    void publish(const SiteInputs& in, const SiteFlows& f, TimePoint now, SiteSnapshot& snap) const;

private:
    const Trace& trace_;
    const SimSettings& settings_;
    double idle_w_;
    bool genset_;
};

}  // namespace hashsink::sim
