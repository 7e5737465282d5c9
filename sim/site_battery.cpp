#include "sim/site_battery.hpp"

#include <algorithm>
#include <string>

namespace hashsink::sim {

double apply_battery(BatteryModel& battery, const SiteModel& site, SiteInputs& in,
                     SiteFlows& flows, double fleet_w, double dt_s) {
    if (in.genset) return 0;
    in.surplus_w = std::max(0.0, in.surplus_w - battery.claim_w(in.surplus_w, dt_s));
    const double power_w = battery.step(in.potential_ac_w - in.house_w - fleet_w, dt_s);
    flows = site.flows(in, fleet_w - power_w);
    return power_w;
}

void publish_battery(const BatteryModel& battery, double power_w, TimePoint now,
                     SiteSnapshot& snap) {
    for (auto [name, v] : {std::pair{signal::kBatteryPowerW, power_w},
                           std::pair{signal::kBatterySocPct, battery.soc_pct()}}) {
        Reading& r = snap.readings[std::string(name)];
        r.value = v;
        r.at = now;
        r.max_age = Duration{5000};
        r.source = "battery";
    }
}

}  // namespace hashsink::sim
