// Client settings for a test's own broker: quick reconnects and a bounded connect, so tests of
// broker restarts stay fast.
#pragma once

#include <string>

#include "adapters/transport/mqtt_client.hpp"
#include "tests/support/mosquitto.hpp"

namespace hashsink::test {

inline transport::MqttSettings broker_settings(const Mosquitto& m, const std::string& client_id) {
    transport::MqttSettings s;
    s.broker = m.url();
    s.client_id = client_id;
    s.min_backoff = Duration{100};
    s.max_backoff = Duration{1000};
    s.connect_timeout = Duration{3000};
    return s;
}

}  // namespace hashsink::test
