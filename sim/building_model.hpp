// A heated zone as one thermal mass: the first-order RC model
//     C · dT/dt = P_heat + P_other − UA · (T_in − T_out)
// (docs/simulator.md, "Heat"). Pure: no clock, no I/O.
#pragma once

#include <optional>
#include <string>

namespace hashsink::sim {

struct BuildingParams {
    std::string zone;                   // id of a heat_demand zone
    double ua_w_per_k = 150;            // heat loss coefficient UA
    double capacity_kwh_per_k = 2.5;    // thermal capacity C
    std::optional<double> initial_c;    // indoor temperature at the start
};

class BuildingModel {
public:
    BuildingModel(const BuildingParams& params, double initial_c);

    double temperature_c() const { return t_in_c_; }
    // τ = C / UA: how fast the zone follows a change of heat or weather.
    double time_constant_s() const;
    // Where the zone settles under constant heat and weather: T_out + P / UA.
    double steady_state_c(double heat_w, double outdoor_c) const;
    // Advances dt seconds with heat_w (everything that heats the zone) and outdoor_c held
    // constant. Uses the exact solution, T → T_ss + (T − T_ss) · e^(−dt/τ), so any step is
    // stable and a run does not depend on the step for piecewise-constant inputs.
    void advance(double dt_s, double heat_w, double outdoor_c);

private:
    double ua_w_per_k_;
    double capacity_j_per_k_;
    double t_in_c_;
};

}  // namespace hashsink::sim
