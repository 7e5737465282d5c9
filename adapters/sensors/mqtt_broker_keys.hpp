// The broker keys every MQTT source type shares; sources with equal broker keys share one
// connection.
#pragma once

#include "adapters/transport/mqtt_client.hpp"
#include "daemon/core/options.hpp"

namespace hashsink::sensors::mqtt {

// Appends the broker keys to a source type's own keys.
KeyTable with_broker_keys(KeyTable own);
transport::MqttSettings broker_settings_from(const Options& options);

// Checks a source's topic (one topic, no wildcards) and JSON pointer, then returns the shared
// connection to its broker. The error is the source's setup error.
Result<std::shared_ptr<transport::MqttClient>> connect_for_topic(
    const transport::MqttSettings& broker, const std::string& topic,
    const std::string& json_pointer);

}  // namespace hashsink::sensors::mqtt
