// Stock Antminer decoding against the recorded responses (tests/fixtures/antminer-stock).
#include "adapters/miners/antminer/antminer_codec.hpp"

#include <catch2/catch.hpp>

#include "adapters/miners/json_fields.hpp"
#include "tests/support/fixtures.hpp"

using namespace hashsink;
using namespace hashsink::miners::antminer;
using nlohmann::json;

namespace {

json fixture(const std::string& name) {
    auto j = hashsink::miners::parse_object(test::fixture_text("antminer-stock/" + name), name);
    REQUIRE(j);
    return *j;
}

}  // namespace

TEST_CASE("antminer codec: the RPC-shaped summary and stats decode", "[antminer]") {
    Telemetry t;
    decode_summary(fixture("s21_v2020_summary.json"), t);
    REQUIRE(t.hashrate_ths);
    CHECK(*t.hashrate_ths == Approx(110.56689));
    decode_stats(fixture("s21_v2020_stats.json"), t);
    CHECK(t.type == "Antminer S19 Pro");
    REQUIRE(t.chip_temp_c);
    CHECK(*t.chip_temp_c == 78);            // hottest of "78-50-69-70", "52-55-70-71", ...
    REQUIRE(t.board_temp_c);
    CHECK(*t.board_temp_c == 73);
    REQUIRE(t.fan_rpm);
    CHECK(*t.fan_rpm == Approx((6000 + 5880 + 5040 + 5040) / 4.0));
    REQUIRE(t.frequency_mhz);
    CHECK(*t.frequency_mhz == 525);
    REQUIRE(t.ideal_hashrate_ths);
    CHECK(*t.ideal_hashrate_ths == Approx(110.0));
    CHECK_FALSE(t.power_w);                 // stock firmware reports no power here
}

TEST_CASE("antminer codec: work mode from get_miner_conf", "[antminer]") {
    auto conf = fixture("x19_get_miner_conf_cgi_pyasic_testdata.json");
    CHECK(decode_work_mode(conf) == WorkMode::normal);
    conf["bitmain-work-mode"] = "1";
    CHECK(decode_work_mode(conf) == WorkMode::sleep);
    conf["bitmain-work-mode"] = 3;
    CHECK(decode_work_mode(conf) == WorkMode::low);
    conf["bitmain-work-mode"] = "7";
    CHECK_FALSE(decode_work_mode(conf));
    conf.erase("bitmain-work-mode");
    conf["miner-mode"] = 1;
    CHECK(decode_work_mode(conf) == WorkMode::sleep);
    CHECK_FALSE(decode_work_mode(json::object()));
}

TEST_CASE("antminer codec: set_miner_conf keeps pools and sends both mode keys", "[antminer]") {
    auto conf = fixture("x19_get_miner_conf_cgi_pyasic_testdata.json");
    auto body = json::parse(set_conf_body(conf, WorkMode::sleep));
    CHECK(body["miner-mode"] == 1);
    CHECK(body["bitmain-work-mode"] == "1");
    CHECK(body["pools"].size() == 2);
    CHECK(body["pools"][0]["url"] == "stratum+tcp://pyasic.testpool_1.pool:3333");
    CHECK(body["bitmain-fan-ctrl"] == false);
    CHECK(body["bitmain-fan-pwm"] == "100");
    CHECK(body["freq-level"] == "100");
}

TEST_CASE("antminer codec: set_miner_conf replies", "[antminer]") {
    CHECK(check_set_conf_reply(R"({"stats":"success","code":"M000","msg":"OK!"})"));
    CHECK(check_set_conf_reply("not json at all"));
    auto st = check_set_conf_reply(R"({"stats":"error","code":"M001","msg":"Invalid JSON"})");
    CHECK(st.code == ErrorCode::rejected);
    CHECK(st.message.find("M001") != std::string::npos);
}

TEST_CASE("antminer codec: the newer CGI shape and hostile input", "[antminer]") {
    auto stats = json::parse(R"({"STATS":[{"rate_5s":95000.5,"rate_ideal":100000,
        "rate_unit":"GH/s","fan":[4000,4100,0,0],"watt":3010,"miner-mode":3,
        "chain":[{"freq_avg":500,"temp_chip":[60,71,"x",999],"temp_pcb":[50,55]},
                 {"freq_avg":520,"temp_chip":[65,66],"temp_pcb":[51]}]}]})");
    Telemetry t;
    decode_stats(stats, t);
    CHECK(*t.hashrate_ths == Approx(95.0005));
    CHECK(*t.ideal_hashrate_ths == Approx(100));
    CHECK(*t.fan_rpm == Approx(4050));
    CHECK(*t.chip_temp_c == 71);            // 999 is garbage, "x" skipped
    CHECK(*t.board_temp_c == 55);
    CHECK(*t.frequency_mhz == Approx(510));
    CHECK(*t.power_w == 3010);
    CHECK(t.mode == WorkMode::low);

    for (const char* bad : {"{}", R"({"STATS":5})", R"({"STATS":[1,"a",null]})",
                            R"({"SUMMARY":{}})", R"({"SUMMARY":[{"rate_5s":"abc"}]})"}) {
        Telemetry x;
        decode_stats(json::parse(bad), x);
        decode_summary(json::parse(bad), x);
        CHECK_FALSE(x.hashrate_ths);
    }
}
