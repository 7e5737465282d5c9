// The external controller's wire format: replies parsed with every bad shape refused with a
// reason (values are the policy's to judge), and the published snapshot's shape.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "adapters/external/reply_codec.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using hashsink::external::parse_reply;

namespace {

std::string refusal(const std::string& payload) {
    auto r = parse_reply(payload);
    REQUIRE_FALSE(r.has_value());
    return r.error().message;
}

}  // namespace

TEST_CASE("external codec: a full reply", "[external]") {
    auto r = parse_reply(R"({"seq": 12, "budget_w": 1200.5, "shed": true, "reason": "cheap hour",
                             "miners": {"rig-1": {"max_w": 500}, "rig-2": {"max_w": 0}},
                             "future_key": [1, 2]})");
    REQUIRE(r.has_value());
    REQUIRE(r->seq == 12);
    REQUIRE(r->budget_w == 1200.5);
    REQUIRE(r->shed);
    REQUIRE(r->reason == "cheap hour");
    REQUIRE(r->miner_max_w.at("rig-1") == 500);
    REQUIRE(r->miner_max_w.at("rig-2") == 0);
    REQUIRE_FALSE(r->answered_at);   // the bridge fills it

    auto minimal = parse_reply(R"({"seq": 0, "budget_w": 0})");
    REQUIRE(minimal.has_value());
    REQUIRE(minimal->miner_max_w.empty());
    REQUIRE_FALSE(minimal->shed);
}

TEST_CASE("external codec: malformed replies are refused with a reason", "[external]") {
    CHECK(refusal("") == "reply is not JSON");
    CHECK(refusal("{\"seq\": 1, \"budget_w\": ") == "reply is not JSON");
    CHECK(refusal("{\"seq\": 1, \"budget_w\": NaN}") == "reply is not JSON");
    CHECK(refusal("[1, 2]") == "reply is not a JSON object");
    CHECK(refusal("1200") == "reply is not a JSON object");
    CHECK(refusal(R"({"budget_w": 1})") == "reply has no seq");
    CHECK(refusal(R"({"seq": -1, "budget_w": 1})") == "seq is not a non-negative integer");
    CHECK(refusal(R"({"seq": 1.5, "budget_w": 1})") == "seq is not a non-negative integer");
    CHECK(refusal(R"({"seq": "1", "budget_w": 1})") == "seq is not a non-negative integer");
    CHECK(refusal(R"({"seq": 1})") == "reply has no budget_w");
    CHECK(refusal(R"({"seq": 1, "budget_w": "1200"})") == "budget_w is not a number");
    CHECK(refusal(R"({"seq": 1, "budget_w": null})") == "budget_w is not a number");
    CHECK(refusal(R"({"seq": 1, "budget_w": 1, "miners": [1]})").find("miners is not an object") == 0);
    CHECK(refusal(R"({"seq": 1, "budget_w": 1, "miners": {"a": 5}})") == "miners.a is not an object");
    CHECK(refusal(R"({"seq": 1, "budget_w": 1, "miners": {"a": {}}})") == "miners.a has no max_w");
    CHECK(refusal(R"({"seq": 1, "budget_w": 1, "miners": {"a": {"max_w": true}}})") ==
          "miners.a.max_w is not a number");
    CHECK(refusal(R"({"seq": 1, "budget_w": 1, "miners": {"": {"max_w": 1}}})").find("empty") !=
          std::string::npos);
    CHECK(refusal(R"({"seq": 1, "budget_w": 1, "shed": "yes"})") == "shed is not true or false");
    CHECK(refusal(R"({"seq": 1, "budget_w": 1, "reason": 5})") == "reason is not a string");
    CHECK(refusal("{\"seq\": 1, \"budget_w\": 1, \"reason\": \"\xff\xfe\"}") == "reply is not JSON");
}

TEST_CASE("external codec: hostile sizes are bounded", "[external]") {
    nlohmann::json many = {{"seq", 1}, {"budget_w", 1}};
    for (int i = 0; i < 300; ++i) many["miners"]["m" + std::to_string(i)] = {{"max_w", 1}};
    CHECK(refusal(many.dump()).find("at most 256") != std::string::npos);

    nlohmann::json long_id = {{"seq", 1}, {"budget_w", 1}};
    long_id["miners"][std::string(500, 'x')] = {{"max_w", 1}};
    CHECK(refusal(long_id.dump()).find("longer than") != std::string::npos);

    // A long reason with control characters is cut and made printable.
    nlohmann::json chatty = {{"seq", 1}, {"budget_w", 1},
                             {"reason", "line\nbreak\t" + std::string(1000, 'y')}};
    auto r = parse_reply(chatty.dump());
    REQUIRE(r.has_value());
    REQUIRE(r->reason.size() <= external::kMaxReasonBytes);
    REQUIRE(r->reason.rfind("line break ", 0) == 0);

    // Numbers beyond double reach the policy as values it rejects, never as a crash here.
    auto huge = parse_reply(R"({"seq": 1, "budget_w": 1e999})");
    if (huge) REQUIRE_FALSE(std::isfinite(huge->budget_w));
    auto big_seq = parse_reply(R"({"seq": 99999999999999999999999, "budget_w": 1})");
    REQUIRE_FALSE(big_seq.has_value());
}

TEST_CASE("external codec: the published snapshot", "[external]") {
    const TimePoint t0{std::chrono::seconds{1'800'000'000}};
    auto miner = test::online_miner("rig-1", test::ladder_caps(10, 30, 5), 21.5);
    miner.max_power_w = 25;
    miner.target.run = true;
    miner.target.power_w = 20;
    auto s = test::snapshot_with_grid(t0, -350, {miner});
    s.readings["pv.ac_power_w"] = Reading{900, t0 - 60s, Duration{5000}, "inverter"};
    auto j = nlohmann::json::parse(external::snapshot_json(s, 42, 3s, "site/policy/decision"));
    REQUIRE(j["seq"] == 42);
    REQUIRE(j["time_ms"] == unix_ms(t0));
    REQUIRE(j["time"] == iso8601(t0));
    REQUIRE(j["deadline_ms"] == 3000);
    REQUIRE(j["reply_to"] == "site/policy/decision");
    REQUIRE(j["signals"]["grid.power_w"] == -350.0);
    REQUIRE_FALSE(j["signals"].contains("pv.ac_power_w"));   // stale: listed, not given
    REQUIRE(j["stale"] == nlohmann::json::array({"pv.ac_power_w"}));
    const auto& m = j["miners"]["rig-1"];
    REQUIRE(m["online"] == true);
    REQUIRE(m["state"] == "mining");
    REQUIRE(m["power_w"] == 21.5);
    REQUIRE(m["target_run"] == true);
    REQUIRE(m["target_w"] == 20.0);
    REQUIRE(m["min_w"] == 10.0);
    REQUIRE(m["max_w"] == 25.0);   // the installer's limit
    REQUIRE(j["manual"].is_null());
}
