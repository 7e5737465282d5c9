#include "daemon/app/catalog.hpp"

#include "adapters/external/external_bridge.hpp"
#include "adapters/miners/registry.hpp"
#include "adapters/sensors/registry.hpp"
#include "daemon/app/sparkplug/edge_node.hpp"
#include "daemon/app/status_publisher.hpp"
#include "policies/registry.hpp"

namespace hashsink::app {

config::Catalog build_catalog() {
    config::Catalog catalog;
    for (const auto& t : sensors::source_types()) catalog.source_types[t.name] = t.keys;
    for (const auto& t : miners::driver_types()) catalog.miner_drivers[t.name] = t.keys;
    for (const auto& t : policies::policy_types()) catalog.policies[t.name] = t.keys;
    // The external policy's table also configures its MQTT bridge.
    catalog.policies["external"] = external::bridge_keys(catalog.policies["external"]);
    catalog.publish = publish_keys();
    catalog.sparkplug = sparkplug::sparkplug_keys();
    return catalog;
}

}  // namespace hashsink::app
