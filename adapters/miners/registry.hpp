// Miner drivers by name: each declares its keys and builds a MinerDriver from validated options.
#pragma once

#include <string>
#include <vector>

#include "daemon/core/miner.hpp"
#include "daemon/core/plugin_type.hpp"

namespace hashsink::miners {

using DriverType = PluginType<MinerDriver>;

const std::vector<DriverType>& driver_types();
const DriverType* find_driver_type(const std::string& name);

}  // namespace hashsink::miners
