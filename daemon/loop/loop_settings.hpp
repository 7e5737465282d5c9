// Loop settings from the validated [site] and [governor] tables: one reading of those keys for
// the daemon and the simulator alike.
#pragma once

#include <cstddef>

#include "daemon/core/options.hpp"
#include "daemon/loop/control_loop.hpp"

namespace hashsink::loop {

LoopSettings loop_settings(const Options& site, const Options& governor, std::size_t miner_count);

}  // namespace hashsink::loop
