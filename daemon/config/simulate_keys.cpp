// Key tables of [simulate]: settings only `hashsink simulate` reads (docs/simulator.md).
#include "daemon/config/config.hpp"

namespace hashsink::config {

const KeyTable& simulate_building_keys() {
    static const KeyTable table = [] {
        KeyTable t;
        t.push_back({.name = "zone", .type = KeyType::string,
                     .doc = "Id of the [[policy.heat_demand.zones]] zone this building models",
                     .required = true});
        t.push_back({.name = "ua_w_per_k", .type = KeyType::number,
                     .doc = "Heat loss coefficient UA: the heat the zone loses per kelvin between "
                            "inside and outside",
                     .unit = "W/K", .required = true, .min = 1, .max = 1e6});
        t.push_back({.name = "capacity_kwh_per_k", .type = KeyType::number,
                     .doc = "Thermal capacity C of the zone (air, walls, furniture); C/UA is the "
                            "time constant",
                     .unit = "kWh/K", .required = true, .min = 0.01, .max = 1e4});
        t.push_back({.name = "initial_c", .type = KeyType::number,
                     .doc = "Indoor temperature at the start; else the trace's first "
                            "indoor_temp_c, else the zone's target then",
                     .unit = "°C", .min = -50, .max = 50});
        return t;
    }();
    return table;
}

}  // namespace hashsink::config
