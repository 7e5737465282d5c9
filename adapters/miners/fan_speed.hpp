// The fan speed a miner reports: the mean of its fans' readings.
#pragma once

#include <optional>
#include <vector>

namespace hashsink::miners {

// The mean of the running fans (readings in 0..100000 rpm, exclusive); 0 when fans were read
// but none runs; nullopt when no fan was read.
inline std::optional<double> mean_fan_rpm(const std::vector<double>& fans) {
    double sum = 0;
    int n = 0;
    for (double f : fans)
        if (f > 0 && f < 100000) sum += f, ++n;
    if (n > 0) return sum / n;
    if (!fans.empty()) return 0.0;
    return std::nullopt;
}

}  // namespace hashsink::miners
