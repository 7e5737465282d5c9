#include "daemon/app/fleet_command.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "daemon/app/fleet_view.hpp"
#include "tests/support/process.hpp"
#include "web/api/metrics_text.hpp"

using namespace hashsink;
using namespace hashsink::app;
using namespace std::chrono_literals;

namespace {
const TimePoint kNow{std::chrono::seconds{1'800'000'000}};  // 2027-01-15T08:00:00Z
}

TEST_CASE("fleet command: a curtailment round-trips and each site finds its share", "[fleet]") {
    FleetCommand c{.id = "dr-1", .limits_w = {{"well-7", 1200}, {"barn", 0}}, .until = kNow + 1h};
    auto parsed = parse_fleet_command(fleet_command_json(c));
    REQUIRE(parsed);
    CHECK(parsed->id == "dr-1");
    CHECK(parsed->limits_w == c.limits_w);
    CHECK(parsed->until == c.until);
    auto mine = request_for(*parsed, "well-7", kNow);
    REQUIRE(mine);
    CHECK(*mine->limit_w == Approx(1200));
    CHECK(mine->until == c.until);
    CHECK(mine->note == "fleet command dr-1");
    CHECK(*request_for(*parsed, "barn", kNow)->limit_w == 0);
    CHECK_FALSE(request_for(*parsed, "elsewhere", kNow));    // not named: nothing to do
    CHECK_FALSE(request_for(*parsed, "well-7", kNow + 1h));  // over already
    auto clear = parse_fleet_command(R"({"id": "dr-2", "clear": true})");
    REQUIRE(clear);
    auto cleared = request_for(*clear, "any-site", kNow);
    REQUIRE(cleared);
    CHECK_FALSE(cleared->limit_w);
}

TEST_CASE("fleet command: hostile payloads are refused with the field named", "[fleet]") {
    auto error_of = [](std::string_view payload) {
        auto r = parse_fleet_command(payload);
        return r ? std::string("accepted") : r.error().message;
    };
    CHECK(error_of("not json") == "fleet command: not a JSON object");
    CHECK(error_of("[1]") == "fleet command: not a JSON object");
    CHECK(error_of(R"({"limits_w": {"a": 1}})") == "fleet command: id: a string is required");
    CHECK(error_of(R"({"id": "a b", "clear": true})").find("only letters") != std::string::npos);
    CHECK(error_of(R"({"id": "x", "limits_w": {"a": -1}})") ==
          "fleet command x: limits_w.a: watts, 0 or more");
    CHECK(error_of(R"({"id": "x", "limits_w": {"a": "9"}})") ==
          "fleet command x: limits_w.a: watts, 0 or more");
    CHECK(error_of(R"({"id": "x", "limits_w": {"a/#": 1}})").find("site id") != std::string::npos);
    CHECK(error_of(R"({"id": "x", "limits_w": {"a": 1}, "until": "soon"})") ==
          "fleet command x: until: not an ISO 8601 time");
    CHECK(error_of(R"({"id": "x"})") == "fleet command x: either limits_w or clear = true");
    CHECK(error_of(R"({"id": "x", "clear": true, "limits_w": {"a": 1}})") ==
          "fleet command x: either limits_w or clear = true");
    CHECK(error_of(R"({"id": "x", "clear": true, "extra": 1})") ==
          "fleet command x: unknown field extra");
}

TEST_CASE("fleet command: a curtailment is split by what each site draws", "[fleet]") {
    auto shares = split_curtailment(3000, {{"a", 3000}, {"b", 1000}, {"c", 0}});
    CHECK(shares["a"] == Approx(2250));
    CHECK(shares["b"] == Approx(750));
    CHECK(shares["c"] == Approx(0));
    auto even = split_curtailment(900, {{"a", 0}, {"b", 0}, {"c", 0}});
    CHECK(even["b"] == Approx(300));
    CHECK(split_curtailment(100, {}).empty());
}

TEST_CASE("fleet view: sites, alarms, and acknowledgements of the latest command only", "[fleet]") {
    FleetView view(60s);
    REQUIRE(view.take_status("hashsink/well-7",
                             R"({"site": "well-7", "state": "running", "measured_w": 3000,
                                 "planned_w": 3100, "miners": 3, "miners_online": 2,
                                 "sources": {"inverter": {"ok": false}}})",
                             kNow));
    REQUIRE(view.take_status("hashsink/barn", R"({"state": "fail_safe", "measured_w": 1000})",
                             kNow - 90s));
    CHECK_FALSE(view.take_status("hashsink/x", "garbage", kNow));
    auto command = view.curtail(2000, kNow + 30min, "dr-1");
    REQUIRE(command);
    CHECK(command->limits_w.at("well-7") == Approx(1500));
    CHECK(command->limits_w.at("barn") == Approx(500));
    view.sent(*command, kNow);
    CHECK_FALSE(view.take_ack(R"({"id": "old", "site": "barn", "ok": true})"));
    REQUIRE(view.take_ack(
        fleet_ack_json({.id = "dr-1", .site = "well-7", .ok = true, .limit_w = 1500, .at = kNow})));
    auto report = view.report(kNow);
    REQUIRE(report["sites"].size() == 2);
    const auto& barn = report["sites"][0];
    const auto& well = report["sites"][1];
    CHECK(barn["id"] == "barn");
    CHECK(barn["stale"] == true);
    CHECK(barn["alarms"] == nlohmann::json({"no status lately", "fail_safe"}));
    CHECK(barn["ack"].is_null());
    CHECK(well["alarms"] == nlohmann::json({"1 of 3 miners offline", "source inverter failing"}));
    CHECK(well["ack"]["ok"] == true);
    CHECK(report["command"]["acknowledged"] == 1);
    CHECK(report["measured_w"] == Approx(4000));
    CHECK_FALSE(FleetView(60s).curtail(1000, std::nullopt, "x"));  // no site known
    CHECK_FALSE(view.curtail(-1, std::nullopt, "x"));
}

TEST_CASE("fleet dashboards: every metric the Grafana dashboard queries is one /metrics serves",
          "[fleet]") {
    loop::LoopStatus st;
    st.tick = 1;
    st.at = kNow;
    st.timing.ticks = 10;
    st.site_limit_w = 500;
    loop::MinerStatus m;
    m.id = "m1";
    m.online = true;
    m.state = MinerState{};
    m.state->power_w = 10;
    m.state->hashrate_ths = 1;
    st.miners.push_back(m);
    const std::string served = web::metrics_text(st, kNow);
    const std::string dashboard =
        test::read_file(HASHSINK_SOURCE_DIR "/examples/fleet/grafana-fleet.json");
    REQUIRE(nlohmann::json::parse(dashboard, nullptr, false).is_object());
    const std::regex name(R"(hashsink_[a-z_]+)");
    int queried = 0;
    for (auto it = std::sregex_iterator(dashboard.begin(), dashboard.end(), name);
         it != std::sregex_iterator(); ++it, ++queried) {
        INFO(it->str());
        CHECK(served.find("# TYPE " + it->str() + " ") != std::string::npos);
    }
    CHECK(queried >= 10);
}
