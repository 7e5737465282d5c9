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

// broker_settings for a client that only publishes or watches: no status topic (and so no last
// will) of its own.
inline transport::MqttSettings plain_client_settings(const Mosquitto& m,
                                                     const std::string& client_id) {
    auto s = broker_settings(m, client_id);
    s.status_topic.clear();
    return s;
}

}  // namespace hashsink::test
