// Generic cgminer/bmminer and Avalon decoding against the recorded replies.
#include <catch2/catch.hpp>

#include "adapters/miners/avalon/avalon_codec.hpp"
#include "adapters/miners/cgminer/cgminer_codec.hpp"
#include "adapters/transport/cgminer_client.hpp"
#include "tests/support/fixtures.hpp"

using namespace hashsink;
using namespace hashsink::miners;
using nlohmann::json;

namespace {

json fixture(const std::string& name) {
    auto j = transport::parse_cgminer_reply(test::fixture_text(name), name);
    REQUIRE(j);
    return *j;
}

}  // namespace

TEST_CASE("cgminer codec: bmminer S9 summary with GHS 5s as a string", "[cgminer]") {
    cgminer::Reading r;
    cgminer::decode_summary(fixture("cgminer-bmminer/s9_bmminer1.0.0_summary.json"), r);
    REQUIRE(r.hashrate_ths);
    CHECK(*r.hashrate_ths == Approx(7.903729));
    CHECK(*r.average_ths == Approx(7.90275));
    CHECK(r.firmware == "bmminer 1.0.0");
    auto denied = fixture("cgminer-bmminer/s9_bmminer1.0.0_config_access_denied.json");
    auto st = transport::check_reply(denied, "config");
    CHECK(st.code == ErrorCode::rejected);
}

TEST_CASE("cgminer codec: Antminer RPC version and stats", "[cgminer]") {
    cgminer::Reading r;
    cgminer::decode_version(fixture("antminer-stock/s21_v2020_version.json"), r);
    CHECK(r.model == "Antminer S19 Pro");
    CHECK(r.firmware == "bmminer 1.0.0 (49.0.1.3)");
    cgminer::decode_stats(fixture("antminer-stock/s21_v2020_stats.json"), r);
    CHECK(*r.chip_temp_c == 78);
    CHECK(*r.fan_rpm == Approx(5490));
    CHECK(*r.frequency_mhz == 525);
}

TEST_CASE("avalon codec: the recorded Avalon Q stats (soft off, eco mode)", "[avalon]") {
    auto f = avalon::mm_fields(fixture("cgminer-avalon/stats.json"));
    REQUIRE_FALSE(f.empty());
    CHECK(f["Ver"] == "Q-25052801_14a19a2");
    CHECK(f["PS"] == "0 1222 4 0 0 2245 146");
    auto m = avalon::decode_mm(f);
    REQUIRE(m.idle);
    CHECK(*m.idle);
    CHECK(m.work_mode == 0);
    CHECK(*m.hashrate_ths == 0);
    CHECK_FALSE(m.chip_temp_c);          // TMax[0]: not hashing
    CHECK(*m.fan_rpm == 0);
    CHECK(*m.frequency_mhz == Approx(282.86));
    CHECK(m.system_status == "Work: In Idle, Hash Board: 1");
    CHECK(m.power_w == Approx(146));     // the 7th PS value (no WALLPOWER here)

    cgminer::Reading r;
    cgminer::decode_version(fixture("cgminer-avalon/version.json"), r);
    CHECK(r.model == "Avalon Q");
    cgminer::decode_summary(fixture("cgminer-avalon/summary.json"), r);
    CHECK(*r.hashrate_ths == 0);
    CHECK(*r.average_ths == Approx(44.5396));
    CHECK(transport::check_reply(fixture("cgminer-avalon/ascset_softoff.json"), "softoff"));
    CHECK(transport::check_reply(fixture("cgminer-avalon/ascset_workmode.json"), "workmode"));
}

TEST_CASE("avalon codec: hostile MM strings", "[avalon]") {
    CHECK(avalon::parse_mm_fields("").empty());
    CHECK(avalon::parse_mm_fields("[[[]]]]").size() <= 1);
    auto f = avalon::parse_mm_fields("A[1] B[unterminated");
    CHECK(f.size() == 1);
    std::string big;
    for (int i = 0; i < 2000; ++i) big += "K" + std::to_string(i) + "[1] ";
    CHECK(avalon::parse_mm_fields(big).size() == 512);
    auto m = avalon::decode_mm({{"WORKMODE", "x"}, {"TMax", "nan"}, {"GHSspd", "-5"}});
    CHECK_FALSE(m.work_mode);
    CHECK_FALSE(m.chip_temp_c);
    CHECK_FALSE(m.hashrate_ths);
    CHECK_FALSE(m.power_w);
    // WALLPOWER wins over PS; a short or junk PS gives no power.
    CHECK(avalon::decode_mm({{"WALLPOWER", "1310"}, {"PS", "0 1 2 3 4 5 146"}}).power_w == 1310);
    CHECK_FALSE(avalon::decode_mm({{"PS", "0 1222 4"}}).power_w);
    CHECK_FALSE(avalon::decode_mm({{"PS", "a b c d e f g"}}).power_w);
    CHECK_FALSE(avalon::decode_mm({{"PS", "0 0 0 0 0 0 -5"}}).power_w);
}
