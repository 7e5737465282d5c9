#include <catch2/catch.hpp>

#include "web/api/miner_json.hpp"

using namespace hashsink;

TEST_CASE("axeos miner_json: state with absent values gives nulls", "[axeos]") {
    MinerState s;
    s.driver = "axeos";
    s.state = MinerRunState::offline;
    s.power_w = 12.5;
    nlohmann::json j = s;
    CHECK(j["driver"] == "axeos");
    CHECK(j["state"] == "offline");
    CHECK(j["online"] == false);
    CHECK(j["power_w"] == 12.5);
    CHECK(j["hashrate_ths"].is_null());
    CHECK(j["vr_temp_c"].is_null());
    CHECK(j["caps"]["levels"].is_array());
    CHECK(j["caps"]["nominal_level"].is_null());
}

TEST_CASE("axeos miner_json: caps list levels and options", "[axeos]") {
    MinerCaps c;
    c.levels = {{.power_w = 10, .hashrate_ths = 0.8, .frequency_mhz = 400.0},
                {.power_w = 19, .hashrate_ths = 1.0, .frequency_mhz = 490.0,
                 .core_voltage_mv = 1200.0}};
    c.nominal_level = 1;
    c.can_pause = true;
    c.frequency_options_mhz = {400, 490};
    nlohmann::json j = miners::caps_json(c);
    CHECK(j["levels"].size() == 2);
    CHECK(j["levels"][0]["core_voltage_mv"].is_null());
    CHECK(j["levels"][1]["core_voltage_mv"] == 1200.0);
    CHECK(j["nominal_level"] == 1);
    CHECK(j["min_power_w"] == 10.0);
    CHECK(j["max_power_w"] == 19.0);
    CHECK(j["can_pause"] == true);
    CHECK(j["frequency_options_mhz"] == nlohmann::json({400.0, 490.0}));
}
