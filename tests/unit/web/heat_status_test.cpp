// The status JSON shows the heat floor and what the miners earn, hash and heat apart.
#include <catch2/catch.hpp>

#include "web/api/status_json.hpp"

using namespace hashsink;

TEST_CASE("status: heat floor, hash revenue and heat value, per miner and in total",
          "[heat][web]") {
    loop::LoopStatus st;
    st.decision.policy = "layered";
    st.decision.miner_floor_w = {{"a", 200}};
    st.decision.report.miner_hash_value_per_h = {{"a", 0.004}, {"b", 0.002}};
    st.decision.report.miner_heat_value_per_h = {{"a", 0.02}};
    for (const char* id : {"a", "b"}) {
        loop::MinerStatus m;
        m.id = id;
        st.miners.push_back(m);
    }
    auto j = web::status_json(st, TimePoint{});
    CHECK(j["decision"]["heat_floor_w"].get<double>() == Approx(200));
    CHECK(j["decision"]["hash_value_per_h"].get<double>() == Approx(0.006));
    CHECK(j["decision"]["heat_value_per_h"].get<double>() == Approx(0.02));
    CHECK(j["miners"][0]["heat_floor_w"].get<double>() == Approx(200));
    CHECK(j["miners"][0]["heat_value_per_h"].get<double>() == Approx(0.02));
    CHECK(j["miners"][1]["heat_floor_w"].is_null());
    CHECK(j["miners"][1]["heat_value_per_h"].is_null());
    CHECK(j["miners"][1]["hash_value_per_h"].get<double>() == Approx(0.002));

    // No economics: no values at all (null, not zero).
    loop::LoopStatus plain;
    auto p = web::status_json(plain, TimePoint{});
    CHECK(p["decision"]["hash_value_per_h"].is_null());
    CHECK(p["decision"]["heat_value_per_h"].is_null());
    CHECK(p["decision"]["heat_floor_w"].get<double>() == 0);
}

TEST_CASE("status: each heat zone's temperature, setpoint and state", "[heat][web]") {
    loop::LoopStatus st;
    HeatZoneView house;
    house.id = "house";
    house.temperature_c = 19.6;
    house.target_c = 21;
    house.heating = house.preheating = true;
    house.fraction = 0.4;
    house.floor_w = 2240;
    HeatZoneView shed;
    shed.id = "shed";
    shed.stale = true;
    st.decision.report.heat_zones = {house, shed};
    auto j = web::status_json(st, TimePoint{});
    const auto& zones = j["decision"]["heat_zones"];
    REQUIRE(zones.size() == 2);
    CHECK(zones[0]["id"] == "house");
    CHECK(zones[0]["temperature_c"].get<double>() == Approx(19.6));
    CHECK(zones[0]["target_c"].get<double>() == Approx(21));
    CHECK(zones[0]["preheating"] == true);
    CHECK(zones[0]["floor_w"].get<double>() == Approx(2240));
    CHECK(zones[1]["temperature_c"].is_null());
    CHECK(zones[1]["stale"] == true);
    CHECK(web::status_json(loop::LoopStatus{}, TimePoint{})["decision"]["heat_zones"].empty());
}
