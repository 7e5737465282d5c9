// A room's temperature over a real mosquitto on a free loopback port, read by the real
// mqtt_sensor source from a checked config, drives heat_demand to a decision: cold -> a heat
// floor and running miners, warm -> no floor, silent sensor -> the zone's safe state.
#include <catch2/catch.hpp>

#include "adapters/sensors/registry.hpp"
#include "adapters/transport/mqtt_client.hpp"
#include "daemon/config/config.hpp"
#include "daemon/loop/decide.hpp"
#include "daemon/loop/source_poller.hpp"
#include "policies/registry.hpp"
#include "tests/support/fleet.hpp"
#include "tests/support/heat_site.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using test::eventually;

namespace {

config::Catalog catalog() {
    config::Catalog c;
    for (const auto& t : sensors::source_types()) c.source_types[t.name] = t.keys;
    for (const auto& t : policies::policy_types()) c.policies[t.name] = t.keys;
    c.miner_drivers["simulated"] = {};
    return c;
}

std::string site_config(const std::string& broker) {
    return test::kHeatSiteHead + R"(
[[policy.heat_demand.zones]]
id = "living"
miners = ["bitaxe-1", "bitaxe-2"]
temperature = "living.temp_c"
comfort_c = 21.0
setback_c = 21.0
max_power_w = 300
min_run = "0s"
min_rest = "0s"
stale_after = "1m"

[[sources]]
id = "living-temp"
type = "mqtt_sensor"
broker = ")" +
           broker + R"("
client_id = "heat-it-sensor"
topic = "home/living/sensor"
json_pointer = "/temperature"
signal = "living.temp_c"
min = -40
max = 60
message_max_age = "2s"
max_age = "2s"
)" + test::kTwoSimulatedMiners;
}

}  // namespace

TEST_CASE("heat: a temperature over MQTT drives the zone's floor and safe state",
          "[heat][mqtt]") {
    test::Mosquitto mosq;
    REQUIRE(mosq.start());
    auto loaded = config::load_string(site_config(mosq.url()), "heat.toml", catalog());
    for (const auto& d : loaded.diagnostics) INFO(d.format());
    REQUIRE(loaded.ok());
    const config::SiteConfig& cfg = *loaded.config;
    REQUIRE(cfg.sources.size() == 1);
    const auto& sc = cfg.sources[0];
    auto source = sensors::find_source_type(sc.kind)->make(sc.id, sc.options);
    REQUIRE(source);
    SystemClock clock;
    loop::NullRecorder recorder;
    loop::SourcePoller poller({sc.id, sc.kind, Duration{200}, sc.common.get_duration("max_age")},
                              std::move(source), clock, recorder);
    auto policy = policies::make_policy(cfg.policy, cfg.policy_tables);
    REQUIRE(policy);

    transport::MqttSettings ps;
    ps.broker = mosq.url();
    ps.client_id = "heat-it-publisher";
    ps.status_topic.clear();
    transport::MqttClient publisher(ps);
    publisher.start();
    REQUIRE(eventually([&] { return publisher.connected(); }));

    std::vector<MinerView> miners = {test::online_miner("bitaxe-1", test::ladder_caps(10, 20, 3)),
                                     test::online_miner("bitaxe-2", test::ladder_caps(10, 20, 3))};
    PolicyMemory memory;
    auto tick = [&] {
        SiteSnapshot s;
        s.now = clock.now();
        poller.poll_once();
        poller.copy_readings(s.readings);
        s.miners = miners;
        auto t = loop::decide_tick(*policy, s, memory, {}, {});
        memory = t.decision.memory;
        return t;
    };
    auto publish = [&](double celsius) {
        REQUIRE(publisher.publish("home/living/sensor",
                                  R"({"temperature": )" + std::to_string(celsius) +
                                      R"(, "humidity": 40})", 1, false).ok());
    };

    // Cold: a floor on both miners, both run.
    loop::TickDecision cold;
    REQUIRE(eventually([&] {
        publish(15.0);
        cold = tick();
        return !cold.decision.miner_floor_w.empty();
    }));
    INFO(cold.decision.reason);
    CHECK(cold.decision.reason.find("living 15.0 °C (target 21.0 °C): heating") != std::string::npos);
    CHECK(cold.decision.budget_w > 20);
    CHECK(cold.decision.budget_w <= 40);
    CHECK(cold.governed[0].target.run);
    CHECK(cold.governed[1].target.run);

    // Warm: no heat needed, no floor.
    loop::TickDecision warm;
    REQUIRE(eventually([&] {
        publish(22.0);
        warm = tick();
        return warm.decision.reason.find("no heat needed") != std::string::npos;
    }));
    CHECK(warm.decision.miner_floor_w.empty());
    CHECK(warm.decision.budget_w == 0);
    CHECK_FALSE(warm.governed[0].target.run);

    // Cold again, then the sensor goes silent: its value expires, the zone goes to its safe
    // state (paused) instead of heating on a stale reading.
    REQUIRE(eventually([&] {
        publish(15.0);
        return !tick().decision.miner_floor_w.empty();
    }));
    loop::TickDecision silent;
    REQUIRE(eventually([&] {
        silent = tick();
        return silent.decision.reason.find("stale or missing") != std::string::npos;
    }));
    CHECK(silent.decision.miner_floor_w.empty());
    CHECK(silent.decision.miner_ceiling_w.at("bitaxe-1") == 0);
    CHECK_FALSE(silent.governed[0].target.run);
    CHECK_FALSE(silent.governed[1].target.run);
    publisher.stop();
}
