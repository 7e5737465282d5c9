#include "adapters/miners/axeos/axeos_codec.hpp"

#include <catch2/catch.hpp>

#include "tests/support/fixtures.hpp"

using namespace hashsink;
using namespace hashsink::miners::axeos;
using nlohmann::json;

namespace {

std::string fixture(const std::string& name) { return test::fixture_text("esp-miner/" + name); }

json info_fixture() {
    auto j = parse_object(fixture("gamma601_v2.12.2_api_system_info_doc.json"), "info");
    REQUIRE(j);
    return *j;
}

AsicOptions asic_fixture() {
    auto j = parse_object(fixture("gamma_api_system_asic_doc.json"), "asic");
    REQUIRE(j);
    auto a = decode_asic(*j);
    REQUIRE(a);
    return *a;
}

std::vector<double> level_freqs(const MinerCaps& caps) {
    std::vector<double> out;
    for (const auto& l : caps.levels) out.push_back(l.frequency_mhz.value_or(0));
    return out;
}

}  // namespace

TEST_CASE("axeos codec: recorded v2.12.2 info decodes to normalised values", "[axeos]") {
    auto asic = asic_fixture();
    MinerState s = decode_state(info_fixture(), &asic);
    CHECK(s.driver == "axeos");
    CHECK(s.online);
    CHECK(s.state == MinerRunState::mining);
    CHECK(s.model == "Gamma BM1370 board 601");
    CHECK(s.firmware == "v2.12.2");
    CHECK(*s.power_w == Approx(18.75).margin(0.01));
    CHECK(*s.hashrate_ths == Approx(1.0722).margin(0.0001));
    CHECK(*s.frequency_mhz == 525);
    CHECK(*s.core_voltage_mv == 1150);
    CHECK(*s.chip_temp_c == 60.125);
    CHECK(*s.vr_temp_c == 62);
    CHECK(*s.fan_rpm == 3915);
    CHECK(s.detail.empty());
}

TEST_CASE("axeos codec: model without /asic, absent and zero fields", "[axeos]") {
    json info = info_fixture();
    info["vrTemp"] = 0;
    info.erase("fanrpm");
    info.erase("power");
    MinerState s = decode_state(info, nullptr);
    CHECK(s.model == "BM1370 board 601");
    CHECK_FALSE(s.vr_temp_c.has_value());
    CHECK_FALSE(s.fan_rpm.has_value());
    CHECK_FALSE(s.power_w.has_value());
}

TEST_CASE("axeos codec: numbers sent as strings are accepted", "[axeos]") {
    json info = {{"ASICModel", "BM1366"}, {"power", "12.5"}, {"hashRate", "500"},
                 {"frequency", "485"}, {"coreVoltage", "1200"}, {"temp", "55.5"},
                 {"vrTemp", "48"}, {"fanrpm", "bogus"}, {"miningPaused", 1}};
    MinerState s = decode_state(info, nullptr);
    CHECK(*s.power_w == 12.5);
    CHECK(*s.hashrate_ths == 0.5);
    CHECK(*s.frequency_mhz == 485);
    CHECK(*s.chip_temp_c == 55.5);
    CHECK(*s.vr_temp_c == 48);
    CHECK_FALSE(s.fan_rpm.has_value());
    CHECK(s.state == MinerRunState::paused);
}

TEST_CASE("axeos codec: fault and overheat states", "[axeos]") {
    json info = info_fixture();
    info["overheat_mode"] = 1;
    CHECK(decode_state(info, nullptr).state == MinerRunState::overheated);
    info["power_fault"] = "VIN_UV";
    auto s = decode_state(info, nullptr);
    CHECK(s.state == MinerRunState::error);
    CHECK(s.detail.find("VIN_UV") != std::string::npos);
    info.erase("power_fault");
    info["hardware_fault"] = "fan";
    CHECK(decode_state(info, nullptr).state == MinerRunState::error);
}

TEST_CASE("axeos codec: bodies that are not a JSON object are protocol errors", "[axeos]") {
    for (const char* body : {"", "{\"power\": 1", "[1,2]", "42", "null", "<html>", "\"x\""}) {
        auto r = parse_object(body, "GET /api/system/info");
        REQUIRE_FALSE(r);
        CHECK(r.error().code == ErrorCode::protocol);
    }
    // A reply that ends inside its JSON says so; a bad byte is told apart.
    auto cut = parse_object("{\"power\": 1", "GET /api/system/info");
    REQUIRE_FALSE(cut);
    CHECK(cut.error().message ==
          "GET /api/system/info: body is not valid JSON (cut short after 11 bytes)");
    auto bad = parse_object("<html>", "GET /api/system/info");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message == "GET /api/system/info: body is not valid JSON (bad byte at 1)");
}

TEST_CASE("axeos codec: firmware versions and pause support", "[axeos]") {
    CHECK(parse_version("v2.14.0") == FirmwareVersion{2, 14, 0});
    CHECK(parse_version("2.12.2") == FirmwareVersion{2, 12, 2});
    CHECK(parse_version("v2.14.0b4") == FirmwareVersion{2, 14, 0});
    CHECK(parse_version("v2.9") == FirmwareVersion{2, 9, 0});
    CHECK_FALSE(parse_version("garbage").has_value());
    CHECK_FALSE(parse_version("").has_value());
    CHECK_FALSE(firmware_can_pause(info_fixture()));
    CHECK(firmware_can_pause(json{{"version", "v2.14.1"}}));
    CHECK(firmware_can_pause(json{{"version", "v2.13.0"}, {"miningPaused", false}}));
    CHECK_FALSE(firmware_can_pause(json{{"version", 7}}));
}

TEST_CASE("axeos codec: caps from the recorded /asic, no overclock", "[axeos]") {
    MinerCaps caps = build_caps(info_fixture(), asic_fixture(), false);
    CHECK(level_freqs(caps) == std::vector<double>{400, 425, 450, 475, 485, 490});
    for (std::size_t i = 1; i < caps.levels.size(); ++i)
        CHECK(caps.levels[i].power_w > caps.levels[i - 1].power_w);
    CHECK(caps.nominal_level == 5);
    CHECK(*caps.levels.front().core_voltage_mv == 1100);
    CHECK(*caps.levels[caps.nominal_level].core_voltage_mv == 1200);
    // P = 18.752 * 490/525 * (1200/1150)^2
    CHECK(caps.nominal_power_w() == Approx(18.7522583 * 490 / 525 * (1200.0 / 1150) * (1200.0 / 1150)));
    CHECK(caps.levels[caps.nominal_level].hashrate_ths == Approx(1.0722407 * 490 / 525));
    CHECK(caps.frequency_options_mhz == std::vector<double>{400, 425, 450, 475, 485, 490});
    CHECK(caps.voltage_options_mv == std::vector<double>{1100, 1150, 1200});
    CHECK_FALSE(caps.can_pause);
    CHECK(caps.idle_power_w == Approx(2.4));
    CHECK_FALSE(caps.continuous_power);
}

TEST_CASE("axeos codec: caps with allow_overclock reach the highest option", "[axeos]") {
    MinerCaps caps = build_caps(info_fixture(), asic_fixture(), true);
    REQUIRE(caps.levels.size() == 10);
    CHECK(*caps.levels.back().frequency_mhz == 575);
    CHECK(*caps.levels.back().core_voltage_mv == 1300);
    CHECK(*caps.levels[caps.nominal_level].frequency_mhz == 490);
    for (std::size_t i = 1; i < caps.levels.size(); ++i) {
        CHECK(caps.levels[i].power_w >= caps.levels[i - 1].power_w);
        CHECK(*caps.levels[i].core_voltage_mv >= *caps.levels[i - 1].core_voltage_mv);
    }
}

TEST_CASE("axeos codec: caps when not mining use maxPower/2 as reference", "[axeos]") {
    json info = info_fixture();
    info["miningPaused"] = true;
    info["power"] = 2.1;
    info["hashRate"] = 0;
    MinerCaps caps = build_caps(info, asic_fixture(), false);
    CHECK(caps.can_pause);
    // reference: 20 W at the current 525 MHz / 1150 mV
    CHECK(caps.nominal_power_w() == Approx(20.0 * 490 / 525 * (1200.0 / 1150) * (1200.0 / 1150)));
    CHECK(caps.levels[caps.nominal_level].hashrate_ths == Approx(1.071 * 490 / 525));
}

TEST_CASE("axeos codec: unusable /asic is refused, fallback options stay at or below now",
          "[axeos]") {
    CHECK_FALSE(decode_asic(json{{"ASICModel", "BM1370"}}));
    CHECK_FALSE(decode_asic(json{{"frequencyOptions", "x"}, {"voltageOptions", json::array()},
                                 {"defaultFrequency", 490}, {"defaultVoltage", 1200}}));
    AsicOptions fb = fallback_asic_options(info_fixture());
    CHECK(fb.estimated);
    CHECK(fb.default_frequency_mhz == 525);
    CHECK(fb.frequency_options_mhz == std::vector<double>{425, 450, 475, 500, 525});
    CHECK(fb.voltage_options_mv == std::vector<double>{1050, 1100, 1150});
    MinerCaps caps = build_caps(info_fixture(), fb, true);
    CHECK(caps.max_power_w() == Approx(18.7522583));
    CHECK(*caps.levels.back().frequency_mhz == 525);
}

TEST_CASE("axeos codec: targets are clamped to the allowed options", "[axeos]") {
    MinerCaps caps = build_caps(info_fixture(), asic_fixture(), false);
    auto at = [&](MinerTarget t) {
        t.run = true;
        auto sp = resolve_setpoint(t, caps);
        REQUIRE(sp);
        return std::pair{sp->frequency_mhz, sp->core_voltage_mv};
    };
    CHECK(at({.frequency_mhz = 700.0}) == std::pair{490.0, 1200.0});
    CHECK(at({.frequency_mhz = 480.0}) == std::pair{475.0, 1150.0});
    CHECK(at({.frequency_mhz = 10.0}) == std::pair{400.0, 1100.0});
    CHECK(at({.frequency_mhz = 450.0, .core_voltage_mv = 5000.0}) == std::pair{450.0, 1200.0});
    CHECK(at({.frequency_mhz = 450.0, .core_voltage_mv = 1.0}) == std::pair{450.0, 1100.0});
    CHECK(at({.level = 0}) == std::pair{400.0, 1100.0});
    CHECK(at({.level = 99}) == std::pair{490.0, 1200.0});
    CHECK(at({}) == std::pair{490.0, 1200.0});
    CHECK(at({.power_w = 1.0}) == std::pair{400.0, 1100.0});
    CHECK(at({.power_w = caps.levels[3].power_w + 0.1}).first == 475.0);
    MinerCaps oc = build_caps(info_fixture(), asic_fixture(), true);
    auto sp = resolve_setpoint({.run = true, .frequency_mhz = 700.0}, oc);
    CHECK(sp->frequency_mhz == 575);
    CHECK_FALSE(resolve_setpoint({.run = true}, MinerCaps{}));
}

TEST_CASE("axeos codec: snap_down never rounds up", "[axeos]") {
    std::vector<double> o = {400, 425, 450};
    CHECK(snap_down(449.9, o) == 425);
    CHECK(snap_down(450, o) == 450);
    CHECK(snap_down(1e9, o) == 450);
    CHECK(snap_down(-5, o) == 400);
}
