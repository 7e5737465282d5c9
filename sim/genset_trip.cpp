#include "sim/genset_trip.hpp"

#include <algorithm>

namespace hashsink::sim {

double genset_frequency_hz(double nominal_hz, double load_w, double capacity_w) {
    if (capacity_w <= 0) return 0;
    const double over = std::max(0.0, load_w - capacity_w) / capacity_w;
    return nominal_hz * (1 - 0.1 * std::min(over, 1.0));
}

void GensetTripModel::observe(double t_s, double dt_s, double load_w, double capacity_w,
                              double nominal_hz) {
    if (!running(t_s)) return;
    const bool overloaded = load_w > capacity_w + 1e-6;
    overload_s_ = overloaded ? overload_s_ + dt_s : 0;
    const double trip_hz = spec_.trip_frequency_hz > 0 ? spec_.trip_frequency_hz : 0.95 * nominal_hz;
    const bool sustained = spec_.trip_after_s > 0 && overload_s_ > spec_.trip_after_s + 1e-9;
    const bool underfrequency =
        capacity_w > 0 && genset_frequency_hz(nominal_hz, load_w, capacity_w) < trip_hz;
    if (sustained || underfrequency) {
        ++trips_;
        overload_s_ = 0;
        // Down from the next tick on, for restart_s.
        down_until_s_ = t_s + dt_s + std::max(0.0, spec_.restart_s);
    }
}

}  // namespace hashsink::sim
