// Miner drivers by name: each declares its keys and builds a MinerDriver from validated options.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/miner.hpp"
#include "daemon/core/options.hpp"

namespace hashsink::miners {

struct DriverType {
    std::string name;
    std::string summary;
    KeyTable keys;
    std::function<std::unique_ptr<MinerDriver>(const std::string& id, const Options& options)> make;
};

const std::vector<DriverType>& driver_types();
const DriverType* find_driver_type(const std::string& name);

}  // namespace hashsink::miners
