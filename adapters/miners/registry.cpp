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
namespace {

// A family's entry from its one declaration: the keys of its settings, and its driver built
// from the config those settings bind.
template <class Driver, class Config>
DriverType family(std::string name, std::string summary, const Settings<Config>& (*settings)()) {
    return {
        std::move(name), std::move(summary), settings().keys(),
        [settings](const std::string& id, const Options& options) -> std::unique_ptr<MinerDriver> {
            return std::make_unique<Driver>(id, settings().from(options));
        }};
}

}  // namespace

const std::vector<DriverType>& driver_types() {
    static const std::vector<DriverType> all = {
        // One line per firmware family.
        family<axeos::AxeosDriver>("axeos", "ESP-Miner / AxeOS (Bitaxe) over HTTP",
                                   axeos::driver_settings),
        family<braiins::BraiinsDriver>("braiins", "Braiins OS 25.07+ over its REST API",
                                       braiins::driver_settings),
        family<luxos::LuxosDriver>("luxos", "LuxOS (Luxor) over the TCP 4028 API",
                                   luxos::driver_settings),
        {"simulated", "a modelled miner (S9 to S21 Hydro, Bitaxe) for simulation and dry runs",
         simulated::driver_keys(), simulated::make_driver},
        family<antminer::AntminerDriver>("antminer",
                                         "Stock Antminer (Bitmain) web CGI with Digest auth",
                                         antminer::driver_settings),
        family<shelly::ShellyDriver>("shelly",
                                     "A miner behind a Shelly Gen2+ plug (on/off, measured power)",
                                     shelly::driver_settings),
        family<tasmota::TasmotaDriver>("tasmota",
                                       "A miner behind a Tasmota plug (on/off, measured power)",
                                       tasmota::driver_settings),
        family<avalon::AvalonDriver>("avalon",
                                     "Canaan Avalon over cgminer 4028 (soft off/on, work modes)",
                                     avalon::driver_settings),
        family<cgminer::CgminerDriver>("cgminer",
                                       "Any cgminer/bmminer on 4028, read-only monitoring",
                                       cgminer::driver_settings),
        family<vnish::VnishDriver>("vnish", "Vnish (AnthillOS) over its REST API",
                                   vnish::driver_settings),
        family<whatsminer::WhatsminerDriver>("whatsminer",
                                             "Whatsminer (MicroBT) over API v2 (4028) or v3 (4433)",
                                             whatsminer::driver_settings),
    };
    return all;
}

const DriverType* find_driver_type(const std::string& name) {
    for (const auto& t : driver_types())
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace hashsink::miners
