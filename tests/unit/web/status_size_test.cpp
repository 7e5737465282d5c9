// /api/status without caps: each miner's caps_id stays, the caps go to /api/caps.
// bench/status_size prints the bytes per status at 10 000 miners (docs/performance.md).
#include <catch2/catch.hpp>

#include "tests/support/status_fleet.hpp"
#include "web/api/status_json.hpp"

using namespace hashsink;

using test::s19_fleet_status;


TEST_CASE("status json: caps left out on request, caps_id kept, /api/caps has them", "[web]") {
    auto st = s19_fleet_status(3);
    st.miners[2].caps.levels.pop_back();
    auto full = web::status_json(st, st.at);
    auto lean = web::status_json(st, st.at, false);
    REQUIRE(full["miners"][0].contains("caps"));
    REQUIRE(full["miners"][0]["state"].contains("caps"));
    CHECK_FALSE(lean["miners"][0].contains("caps"));
    CHECK_FALSE(lean["miners"][0]["state"].contains("caps"));
    CHECK(lean["miners"][0]["caps_id"] == full["miners"][0]["caps_id"]);
    CHECK(lean["miners"][0]["caps_id"] == lean["miners"][1]["caps_id"]);   // equal caps
    CHECK(lean["miners"][0]["caps_id"] != lean["miners"][2]["caps_id"]);   // changed caps
    CHECK(lean["miners"][0]["caps_id"].get<std::string>().size() == 16);
    auto caps = web::caps_json(st, st.miners[2].id);
    REQUIRE(caps.size() == 1);
    CHECK(caps[0]["caps"]["levels"].size() == 7);
    CHECK(caps[0]["caps_id"] == lean["miners"][2]["caps_id"]);
    CHECK(web::caps_json(st).size() == 3);
    CHECK(web::caps_json(st, "nope").empty());
}

TEST_CASE(
    "status json: bytes that are not UTF-8 in a miner's error or a refused value's reason "
    "become U+FFFD, the rest of the status still answers",
    "[web]") {
    auto st = s19_fleet_status(1);
    st.miners[0].last_error = "HTTP 500 '\xff\xfe'";
    loop::SourceStatus src;
    src.id = "room-temp";
    src.rejected["room.temp_c"] = "payload is not a number: \"\xc3\x28\"";
    st.sources.push_back(src);
    std::string text;
    REQUIRE_NOTHROW(text = web::json_text(web::status_json(st, st.at)));
    auto back = nlohmann::json::parse(text);
    CHECK(back["miners"][0]["last_error"] == "HTTP 500 '\xef\xbf\xbd\xef\xbf\xbd'");
    CHECK(back["sources"][0]["rejected"]["room.temp_c"] ==
          "payload is not a number: \"\xef\xbf\xbd(\"");
    CHECK(back["tick"] == st.tick);
}

TEST_CASE("status json: the state shows the miner's caps, which the loop keeps beside it",
          "[web]") {
    auto st = s19_fleet_status(1);
    REQUIRE(st.miners[0].state);
    st.miners[0].state->caps = MinerCaps{};  // as MinerFleet::status() publishes it
    const auto full = web::status_json(st, st.at);
    CHECK(full["miners"][0]["caps"]["levels"].size() == st.miners[0].caps.levels.size());
    CHECK(full["miners"][0]["state"]["caps"] == full["miners"][0]["caps"]);
}
