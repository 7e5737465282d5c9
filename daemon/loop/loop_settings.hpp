// The loop's settings: its period, the governor's limits, the priority and the start margin.
// The config layer fills them from [site] and [governor], whose keys it declares
// (config::loop_settings()); tests and tools build them directly.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include "daemon/loop/governor.hpp"

namespace hashsink::loop {

struct LoopSettings {
    Duration period{1000};      // the longest time between two ticks
    Duration min_spacing{200};  // the mean spacing when readings arrive faster (two may be closer)
    SiteLimits limits;
    std::vector<std::string> priority;  // miner ids served first
    double start_margin_w = 0;          // spare power a paused miner needs to start...
    double start_margin_pct = 0;        // ...at least this % of its lowest level
    std::size_t miner_threads = 16;
};

// Enough threads that a few slow miners never hold up the rest, bounded for a small box.
inline std::size_t miner_threads_for(std::size_t miner_count) {
    return std::clamp<std::size_t>(miner_count / 8, 4, 64);
}

}  // namespace hashsink::loop
