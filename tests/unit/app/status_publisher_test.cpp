// The [publish] messages of a hand-built status: topics, retain and QoS, the JSON of the
// summary, a miner online and offline, a heat zone; and the key table's broker keys.
#include "daemon/app/status_publisher.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace hashsink;
using nlohmann::json;

TEST_CASE("publish: one status, each miner and each zone, as compact JSON", "[unit][publish]") {
    const TimePoint now = from_unix_ms(1'700'000'000'000);
    loop::LoopStatus st;
    st.tick = 7;
    st.at = now;
    st.decision.policy = "solar_surplus";
    st.decision.budget_w = 120;
    st.decision.reason = "surplus 120 W";
    st.planned_w = 110;
    st.measured_w = 100;
    loop::SourceStatus inv{.id = "inverter", .type = "sunspec", .ok = true, .last_ok = now};
    inv.readings.push_back({"pv.ac_power_w", Reading{900, now}});
    inv.readings.push_back({"grid.power_w", Reading{-50, now - std::chrono::seconds(60)}});
    st.sources.push_back(inv);
    loop::MinerStatus a{.id = "a", .driver = "axeos", .online = true};
    MinerState s;
    s.online = true;
    s.state = MinerRunState::mining;
    s.power_w = 15;
    s.hashrate_ths = 1.1;
    a.state = s;
    a.target.run = true;
    a.target.power_w = 16;
    st.miners.push_back(a);
    st.miners.push_back({.id = "b", .driver = "braiins", .online = false, .state = s});
    HeatZoneView z;
    z.id = "living";
    z.temperature_c = 20.5;
    z.target_c = 21;
    z.heating = true;
    st.decision.report.heat_zones.push_back(z);

    app::PublishConfig c;
    c.prefix = "home/miners";
    c.qos = 1;
    c.retain = true;
    const auto msgs = app::status_messages(st, c, now);
    REQUIRE(msgs.size() == 4);
    CHECK(msgs[0].topic == "home/miners/status");
    CHECK(msgs[1].topic == "home/miners/miner/a");
    CHECK(msgs[2].topic == "home/miners/miner/b");
    CHECK(msgs[3].topic == "home/miners/zone/living");
    for (const auto& m : msgs) {
        CHECK(m.qos == 1);
        CHECK(m.retained);
        CHECK(m.payload.find('\n') == std::string::npos);  // compact
    }
    const json status = json::parse(msgs[0].payload);
    CHECK(status["tick"] == 7);
    CHECK(status["policy"] == "solar_surplus");
    CHECK(status["budget_w"] == 120);
    CHECK(status["miners"] == 2);
    CHECK(status["miners_online"] == 1);
    CHECK(status["miners_running"] == 1);
    CHECK(status["sources"]["inverter"]["values"]["pv.ac_power_w"] == 900);
    CHECK(status["sources"]["inverter"]["values"]["grid.power_w"].is_null());  // stale
    const json ma = json::parse(msgs[1].payload);
    CHECK(ma["online"] == true);
    CHECK(ma["state"] == "mining");
    CHECK(ma["power_w"] == 15);
    CHECK(ma["target_w"] == 16);
    const json mb = json::parse(msgs[2].payload);
    CHECK(mb["online"] == false);
    CHECK(mb["state"] == "offline");
    CHECK(mb["power_w"].is_null());  // an offline miner's stale state is not shown
    CHECK(mb["hashrate_ths"].is_null());
    const json zl = json::parse(msgs[3].payload);
    CHECK(zl["temperature_c"] == 20.5);
    CHECK(zl["heating"] == true);
}

TEST_CASE("publish: the key table reuses the MQTT broker keys", "[unit][publish]") {
    const auto keys = app::publish_keys();
    auto has = [&](const std::string& name) {
        for (const auto& k : keys)
            if (k.name == name) return true;
        return false;
    };
    for (const char* k : {"enabled", "prefix", "interval", "retain", "qos", "broker", "client_id",
                          "password_file", "status_topic"})
        CHECK(has(k));
}
