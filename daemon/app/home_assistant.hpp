// Home Assistant MQTT discovery: the retained config messages that make the site, each miner
// and each heat zone appear in Home Assistant as devices with sensors (and, with [publish]
// control, switches, numbers, selects and buttons on the <prefix>/.../set topics). Pure: the
// publisher sends them (daemon/app/status_publisher.cpp); docs/home-assistant.md lists them.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/transport/mqtt_publish_queue.hpp"
#include "daemon/app/status_publisher.hpp"
#include "daemon/loop/status.hpp"

namespace hashsink::app {

// Letters, digits, '_' and '-' from a topic prefix ("hashsink/site1" -> "hashsink_site1").
std::string node_id_from_prefix(std::string_view prefix);
// A miner or zone id as a discovery object id: '.' is not allowed there, so it becomes "_2e".
std::string object_id(std::string_view id);

// Every config message for this status: <discovery_prefix>/<component>/<node_id>/<object>/config,
// retained. Unique ids are "<node_id>_<object>": the same across restarts, and kept when a user
// renames an entity in Home Assistant.
std::vector<transport::OutgoingMessage> discovery_messages(const loop::LoopStatus& status,
                                                           const PublishConfig& config);

// The filter that finds every config this node announced (retained), to clear the ones of
// miners and zones no longer configured.
std::string discovery_filter(const PublishConfig& config);

}  // namespace hashsink::app
