// The broker keys every MQTT source type shares; sources with equal broker keys share one
// connection.
#pragma once

#include "adapters/transport/mqtt_client.hpp"
#include "daemon/core/settings.hpp"

namespace hashsink::sensors::mqtt {

// The broker keys, bound to the connection's settings (defaults: MqttSettings's own).
const Settings<transport::MqttSettings>& broker_settings();
// Appends the broker keys to a source type's own keys.
KeyTable with_broker_keys(KeyTable own);
transport::MqttSettings broker_settings_from(const Options& options);

// Key checks (KeySpec::check), so the loader and the web form report a bad topic or pointer at
// its key: one topic without wildcards; empty or starting with '/'.
std::string check_topic(const OptionValue& value);
std::string check_json_pointer(const OptionValue& value);

// Checks a source's topic (one topic, no wildcards) and JSON pointer, then returns the shared
// connection to its broker. The error is the source's setup error.
Result<std::shared_ptr<transport::MqttClient>> connect_for_topic(
    const transport::MqttSettings& broker, const std::string& topic,
    const std::string& json_pointer);

}  // namespace hashsink::sensors::mqtt
