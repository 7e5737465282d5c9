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
        {"axeos", "ESP-Miner / AxeOS (Bitaxe) over HTTP", axeos::driver_keys(),
         axeos::make_driver},
        {"braiins", "Braiins OS 25.07+ over its REST API", braiins::driver_keys(),
         braiins::make_driver},
        {"luxos", "LuxOS (Luxor) over the TCP 4028 API", luxos::driver_keys(), luxos::make_driver},
        {"simulated", "a modelled miner (S9 to S21 Hydro, Bitaxe) for simulation and dry runs",
         simulated::driver_keys(), simulated::make_driver},
        {"antminer", "Stock Antminer (Bitmain) web CGI with Digest auth", antminer::driver_keys(),
         antminer::make_driver},
        {"shelly", "A miner behind a Shelly Gen2+ plug (on/off, measured power)",
         shelly::driver_keys(), shelly::make_driver},
        {"tasmota", "A miner behind a Tasmota plug (on/off, measured power)",
         tasmota::driver_keys(), tasmota::make_driver},
        {"avalon", "Canaan Avalon over cgminer 4028 (soft off/on, work modes)",
         avalon::driver_keys(), avalon::make_driver},
        {"cgminer", "Any cgminer/bmminer on 4028, read-only monitoring", cgminer::driver_keys(),
         cgminer::make_driver},
        {"vnish", "Vnish (AnthillOS) over its REST API", vnish::driver_keys(), vnish::make_driver},
        {"whatsminer", "Whatsminer (MicroBT) over API v2 (4028) or v3 (4433)",
         whatsminer::driver_keys(), whatsminer::make_driver},
    };
    return all;
}

const DriverType* find_driver_type(const std::string& name) {
    for (const auto& t : driver_types())
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace hashsink::miners
