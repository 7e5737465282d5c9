// An MQTT source behind its poller, against a real mosquitto that goes away and comes back on
// the same port: once the client is back and a fresh value has arrived, the source reads
// healthy within a few polls, not after a dead device's backoff.
#include <catch2/catch.hpp>

#include <chrono>
#include <functional>
#include <thread>

#include "adapters/sensors/mqtt_sensor_source.hpp"
#include "adapters/transport/mqtt_client.hpp"
#include "daemon/loop/source_poller.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/mqtt_settings.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds limit = 30s) {
    return test::eventually(pred, limit, 10ms);
}

std::optional<double> reading(const loop::SourcePoller& p, const std::string& signal) {
    for (const auto& [name, r] : p.status().readings)
        if (name == signal) return r.value;
    return std::nullopt;
}

}  // namespace

TEST_CASE("mqtt_sensor behind its poller is healthy again within a few polls of the broker's "
          "return",
          "[mqtt][loop]") {
    constexpr Duration kPoll{200};
    constexpr int kPollsAllowed = 15;   // generous: a dead device's backoff here is 6.4 s

    test::Mosquitto mosq;
    auto cfg = sensors::mqtt::MqttSensorSource::config_from(Options{});  // the declared defaults
    cfg.broker = test::broker_settings(mosq, "recovery-sensor");
    cfg.topic = "site/grid";
    cfg.signal = "grid.power_w";
    // A second source on the same client and topic shows when a value has reached the client.
    sensors::mqtt::MqttSensorSource witness("witness", cfg);
    SystemClock clock;
    loop::NullRecorder recorder;
    loop::SourcePoller poller({"grid", "mqtt_sensor", kPoll, 60s},
                              std::make_unique<sensors::mqtt::MqttSensorSource>("grid", cfg),
                              clock, recorder);
    poller.start();

    // The value is not retained, so one published before the client's subscription is made
    // (or restored) is lost, as on a real broker: publish until the witness has it.
    Accumulator acc;
    auto publish_until_seen = [&](transport::MqttClient& pub, const std::string& payload,
                                  double value) {
        return eventually([&] {
            acc.clear();
            witness.collect(WallClock::now(), acc);
            if (!acc.values().empty() && acc.values().front().second == value) return true;
            (void)pub.publish("site/grid", payload, 1);
            return false;
        });
    };
    auto publisher_settings = test::plain_client_settings(mosq, "recovery-publisher");
    {
        transport::MqttClient pub(publisher_settings);
        pub.start();
        REQUIRE(eventually([&] { return pub.connected(); }));
        REQUIRE(publish_until_seen(pub, "-150", -150));
        REQUIRE(eventually([&] { return poller.status().ok && reading(poller, "grid.power_w"); }));
    }

    // The broker goes away long enough for a device's backoff to have grown (6 failed polls).
    mosq.stop();
    REQUIRE(eventually([&] { return poller.status().consecutive_failures >= 6; }));
    CHECK_FALSE(poller.status().ok);
    CHECK(poller.next_delay() == kPoll);

    // Back on the same port; a fresh value reaches our client once it is subscribed again.
    REQUIRE(mosq.start());
    transport::MqttClient pub(publisher_settings);
    pub.start();
    REQUIRE(eventually([&] { return pub.connected(); }));
    REQUIRE(publish_until_seen(pub, "-420", -420));
    const auto fresh_at = Steady::now();
    REQUIRE(eventually([&] {
        return poller.status().ok && reading(poller, "grid.power_w") == -420.0;
    }));
    const auto took = Steady::now() - fresh_at;
    INFO("healthy " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                    << " ms after the fresh value reached the client");
    CHECK(took <= kPoll * kPollsAllowed);
    CHECK(poller.status().consecutive_failures == 0);
    poller.stop();
}
