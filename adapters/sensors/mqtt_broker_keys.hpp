// The broker keys every MQTT source type shares; sources with equal broker keys share one
// connection.
#pragma once

#include "adapters/transport/mqtt_client.hpp"
#include "daemon/core/options.hpp"

namespace hashsink::sensors::mqtt {

// Appends the broker keys to a source type's own keys.
KeyTable with_broker_keys(KeyTable own);
transport::MqttSettings broker_settings_from(const Options& options);

}  // namespace hashsink::sensors::mqtt
