#include "sim/battery_model.hpp"

#include <algorithm>

namespace hashsink::sim {

BatteryModel::BatteryModel(const BatterySpec& spec)
    : spec_(spec), capacity_wh_(std::max(0.0, spec.capacity_kwh) * 1000),
      stored_wh_(capacity_wh_ * std::clamp(spec.initial_soc_pct, 0.0, 100.0) / 100) {}

double BatteryModel::charge_w(double spare_w, double dt_s) const {
    if (spare_w <= 0 || dt_s <= 0) return 0;
    const double eff = std::clamp(spec_.efficiency, 0.01, 1.0);
    // Room left, as input power over this step (losses are taken on the way in).
    const double room_w = std::max(0.0, capacity_wh_ - stored_wh_) / eff * 3600 / dt_s;
    return std::min({spare_w, std::max(0.0, spec_.max_charge_w), room_w});
}

double BatteryModel::discharge_w(double need_w, double dt_s) const {
    if (need_w <= 0 || dt_s <= 0) return 0;
    const double floor_wh = capacity_wh_ * std::clamp(spec_.min_soc_pct, 0.0, 100.0) / 100;
    const double left_w = std::max(0.0, stored_wh_ - floor_wh) * 3600 / dt_s;
    return std::min({need_w, std::max(0.0, spec_.max_discharge_w), left_w});
}

double BatteryModel::step(double spare_w, double dt_s) {
    const double eff = std::clamp(spec_.efficiency, 0.01, 1.0);
    if (spare_w > 0) {
        const double in_w = charge_w(spare_w, dt_s);
        stored_wh_ = std::min(capacity_wh_, stored_wh_ + in_w * eff * dt_s / 3600);
        return -in_w;
    }
    const double out_w = discharge_w(-spare_w, dt_s);
    stored_wh_ = std::max(0.0, stored_wh_ - out_w * dt_s / 3600);
    return out_w;
}

double BatteryModel::claim_w(double surplus_w, double dt_s) const {
    return soc_pct() < spec_.full_soc_pct ? charge_w(surplus_w, dt_s) : 0;
}

double BatteryModel::soc_pct() const {
    return capacity_wh_ > 0 ? 100 * stored_wh_ / capacity_wh_ : 0;
}

}  // namespace hashsink::sim
