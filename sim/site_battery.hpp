// A modelled battery between a grid site's inverter and its meter, one tick at a time.
#pragma once

#include "daemon/core/snapshot.hpp"
#include "sim/battery_model.hpp"
#include "sim/site_model.hpp"

namespace hashsink::sim {

// Steps the battery with what the site has to spare (the inverter's potential less the house
// and the fleet's true draw, fleet_w), and redoes the flows with it: charging adds load (an
// export-limited inverter makes room for it), discharging covers load. What it claims (its
// charge, below BatterySpec::full_soc_pct) is taken off in.surplus_w: that part is not the
// fleet's to absorb. Returns the battery's power (+ discharging, − charging).
double apply_battery(BatteryModel& battery, const SiteModel& site, SiteInputs& in,
                     SiteFlows& flows, double fleet_w, double dt_s);

// battery.power_w and battery.soc_pct, as a battery's own source reports them.
void publish_battery(const BatteryModel& battery, double power_w, TimePoint now,
                     SiteSnapshot& snap);

}  // namespace hashsink::sim
