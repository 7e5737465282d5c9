// A home battery for `hashsink simulate`: it charges from what the site would export and
// discharges to cover what it would import (self-consumption mode), within its power limits and
// state of charge. Declared by [site] battery_* keys; see docs/simulator.md.
#pragma once

namespace hashsink::sim {

struct BatterySpec {
    double capacity_kwh = 0;        // usable capacity; 0: no battery modelled
    double max_charge_w = 0;
    double max_discharge_w = 0;
    double efficiency = 0.9;        // round trip, applied when charging
    double initial_soc_pct = 50;
    double min_soc_pct = 10;        // it never discharges below this
    // Scoring: below this SoC its charge comes before the fleet (the policy's
    // battery_full_soc_pct; 0 when the policy does not reserve it), above it the fleet may take it.
    double full_soc_pct = 100;
};

class BatteryModel {
public:
    explicit BatteryModel(const BatterySpec& spec);

    // One step of dt seconds. spare_w: what the site has left (+) or lacks (−) before the
    // battery. Returns the battery's power, + discharging, − charging, and moves the SoC.
    double step(double spare_w, double dt_s);
    // What it would take now from this much spare power, without moving the SoC (W, >= 0).
    double charge_w(double spare_w, double dt_s) const;
    double soc_pct() const;
    // What it claims of this much surplus before the fleet: its charge, below full_soc_pct.
    double claim_w(double surplus_w, double dt_s) const;
    double stored_wh() const { return stored_wh_; }

private:
    double discharge_w(double need_w, double dt_s) const;

    BatterySpec spec_;
    double capacity_wh_;
    double stored_wh_;
};

}  // namespace hashsink::sim
