#include "sim/building_model.hpp"

#include <cmath>

namespace hashsink::sim {

BuildingModel::BuildingModel(const BuildingParams& params, double initial_c)
    : ua_w_per_k_(params.ua_w_per_k),
      capacity_j_per_k_(params.capacity_kwh_per_k * 3.6e6),
      t_in_c_(initial_c) {}

double BuildingModel::time_constant_s() const { return capacity_j_per_k_ / ua_w_per_k_; }

double BuildingModel::steady_state_c(double heat_w, double outdoor_c) const {
    return outdoor_c + heat_w / ua_w_per_k_;
}

void BuildingModel::advance(double dt_s, double heat_w, double outdoor_c) {
    if (dt_s <= 0) return;
    const double target = steady_state_c(heat_w, outdoor_c);
    t_in_c_ = target + (t_in_c_ - target) * std::exp(-dt_s / time_constant_s());
}

}  // namespace hashsink::sim
