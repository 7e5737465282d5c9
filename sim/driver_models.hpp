// Miners of other drivers as `hashsink simulate` models them, from what their config declares.
#pragma once

#include <optional>
#include <string>

#include "adapters/miners/simulated/simulated_miner.hpp"
#include "daemon/core/options.hpp"

namespace hashsink::sim {

// `simulated`: its model; `axeos`: a bitaxe-gamma. Drivers that declare their draw (shelly,
// tasmota, cgminer with power_w, antminer, avalon) become an on/off miner of that draw and
// hashrate (antminer's low-power and avalon's eco/super modes are not modelled). nullopt for
// drivers whose capabilities only the device reports (braiins, luxos, vnish).
std::optional<miners::simulated::ModelConfig> model_for_driver(const std::string& driver,
                                                               const Options& options);

}  // namespace hashsink::sim
