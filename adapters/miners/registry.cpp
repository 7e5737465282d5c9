#include "adapters/miners/registry.hpp"

#include "adapters/miners/antminer/antminer_driver.hpp"
#include "adapters/miners/avalon/avalon_driver.hpp"
#include "adapters/miners/axeos/axeos_driver.hpp"
#include "adapters/miners/cgminer/cgminer_driver.hpp"
#include "adapters/miners/braiins/braiins_driver.hpp"
#include "adapters/miners/luxos/luxos_driver.hpp"
#include "adapters/miners/simulated/simulated_miner.hpp"
#include "adapters/miners/shelly/shelly_driver.hpp"
#include "adapters/miners/tasmota/tasmota_driver.hpp"
#include "adapters/miners/vnish/vnish_driver.hpp"
#include "adapters/miners/whatsminer/whatsminer_driver.hpp"

namespace hashsink::miners {

const std::vector<DriverType>& driver_types() {
    static const std::vector<DriverType> all = {
        // One line per firmware family.
        plugin_type<MinerDriver, axeos::AxeosDriver>(
            "axeos", "ESP-Miner / AxeOS (Bitaxe) over HTTP", axeos::driver_settings),
        plugin_type<MinerDriver, braiins::BraiinsDriver>(
            "braiins", "Braiins OS 25.07+ over its REST API", braiins::driver_settings),
        plugin_type<MinerDriver, luxos::LuxosDriver>("luxos", "LuxOS (Luxor) over the TCP 4028 API",
                                                     luxos::driver_settings),
        {"simulated", "a modelled miner (S9 to S21 Hydro, Bitaxe) for simulation and dry runs",
         simulated::driver_keys(), simulated::make_driver},
        plugin_type<MinerDriver, antminer::AntminerDriver>(
            "antminer", "Stock Antminer (Bitmain) web CGI with Digest auth",
            antminer::driver_settings),
        plugin_type<MinerDriver, shelly::ShellyDriver>(
            "shelly", "A miner behind a Shelly Gen2+ plug (on/off, measured power)",
            shelly::driver_settings),
        plugin_type<MinerDriver, tasmota::TasmotaDriver>(
            "tasmota", "A miner behind a Tasmota plug (on/off, measured power)",
            tasmota::driver_settings),
        plugin_type<MinerDriver, avalon::AvalonDriver>(
            "avalon", "Canaan Avalon over cgminer 4028 (soft off/on, work modes)",
            avalon::driver_settings),
        plugin_type<MinerDriver, cgminer::CgminerDriver>(
            "cgminer", "Any cgminer/bmminer on 4028, read-only monitoring",
            cgminer::driver_settings),
        plugin_type<MinerDriver, vnish::VnishDriver>("vnish", "Vnish (AnthillOS) over its REST API",
                                                     vnish::driver_settings),
        plugin_type<MinerDriver, whatsminer::WhatsminerDriver>(
            "whatsminer", "Whatsminer (MicroBT) over API v2 (4028) or v3 (4433)",
            whatsminer::driver_settings),
    };
    return all;
}

const DriverType* find_driver_type(const std::string& name) {
    return find_plugin_type(driver_types(), name);
}

}  // namespace hashsink::miners
