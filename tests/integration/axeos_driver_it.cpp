// The AxeOS driver against the emulator over real HTTP on loopback.
#include <catch2/catch.hpp>
#include <chrono>

#include "adapters/miners/axeos/axeos_driver.hpp"
#include "adapters/miners/registry.hpp"
#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "tests/support/driver_types.hpp"
#include "tests/support/results.hpp"

using namespace hashsink;
using namespace hashsink::miners::axeos;
using namespace std::chrono_literals;

namespace {

EmulatorConfig emu_config(const std::string& board = "gamma",
                          const std::string& version = "v2.14.0") {
    EmulatorConfig c;
    c.board = board;
    c.version = version;
    c.lag_s = 0.2;
    return c;
}

DriverConfig driver_config_for(const AxeosEmulator& emu, Duration timeout = 1000ms,
                               bool overclock = false) {
    return DriverConfig{emu.url(), timeout, overclock};
}

}  // namespace

TEST_CASE("axeos driver: registered with its keys", "[axeos]") {
    const auto& t = test::registered("axeos");
    std::vector<std::string> names;
    for (const auto& k : t.keys) names.push_back(k.name);
    CHECK(names == std::vector<std::string>{"url", "timeout", "allow_overclock"});
    Options o;
    o.set("url", std::string("http://127.0.0.1:1"));
    test::check_makes(t, o);
}

TEST_CASE("axeos driver: probe and read the emulator", "[axeos]") {
    AxeosEmulator emu(emu_config());
    REQUIRE(emu.start());
    AxeosDriver driver("gamma1", driver_config_for(emu));

    auto caps = driver.probe();
    REQUIRE(caps);
    CHECK(caps->can_pause);
    CHECK(caps->levels.size() == 6);
    CHECK(*caps->levels[caps->nominal_level].frequency_mhz == 490);
    CHECK(caps->nominal_power_w() == Approx(19.0).epsilon(0.02));

    auto s = driver.read_state();
    REQUIRE(s);
    CHECK(s->state == MinerRunState::mining);
    CHECK(s->online);
    CHECK(s->model == "Gamma BM1370 board 601");
    CHECK(s->firmware == "v2.14.0");
    CHECK(*s->frequency_mhz == 490);
    CHECK(*s->core_voltage_mv == 1200);
    CHECK(*s->hashrate_ths == Approx(490 * 2040 / 1e6).epsilon(0.01));
    CHECK(s->caps == *caps);
}

TEST_CASE("axeos driver: set a level, verified, and the emulator follows", "[axeos]") {
    auto clock = std::make_shared<miners::emu::ManualEmulatorClock>();
    AxeosEmulator emu(emu_config(), clock);
    REQUIRE(emu.start());
    AxeosDriver driver("gamma1", driver_config_for(emu));
    REQUIRE(driver.probe());
    const double p_before = emu.power_w();

    REQUIRE(driver.apply({.run = true, .level = 0}));
    CHECK(emu.frequency() == 400);
    CHECK(emu.core_voltage() == 1100);
    auto s = driver.read_state();
    REQUIRE(s);
    CHECK(*s->frequency_mhz == 400);
    CHECK(*s->core_voltage_mv == 1100);
    // Power follows with a first-order lag (0.2 s here).
    clock->advance(1200ms);
    CHECK(emu.power_w() < p_before * 0.75);
    CHECK(emu.power_w() == Approx(19.0 * 400 / 490 * (1100.0 / 1200) * (1100.0 / 1200)).epsilon(0.03));
}

TEST_CASE("axeos driver: idempotent re-apply sends no PATCH", "[axeos]") {
    AxeosEmulator emu(emu_config());
    REQUIRE(emu.start());
    AxeosDriver driver("gamma1", driver_config_for(emu));
    REQUIRE(driver.probe());
    MinerTarget t{.run = true, .level = 2};
    REQUIRE(driver.apply(t));
    CHECK(emu.request_count("PATCH", "/api/system") == 1);
    REQUIRE(driver.apply(t));
    REQUIRE(driver.apply(t));
    CHECK(emu.request_count("PATCH", "/api/system") == 1);
    CHECK(emu.request_count("POST", "/api/system/resume") == 0);
    // The stock point is where it started: nothing to write either.
    AxeosEmulator emu2(emu_config());
    REQUIRE(emu2.start());
    AxeosDriver d2("gamma2", driver_config_for(emu2));
    REQUIRE(d2.apply({.run = true}));
    CHECK(emu2.request_count("PATCH", "/api/system") == 0);
}

TEST_CASE("axeos driver: pause and resume", "[axeos]") {
    auto clock = std::make_shared<miners::emu::ManualEmulatorClock>();
    AxeosEmulator emu(emu_config(), clock);
    REQUIRE(emu.start());
    AxeosDriver driver("gamma1", driver_config_for(emu));
    REQUIRE(driver.probe());

    REQUIRE(driver.apply({.run = false}));
    CHECK(emu.paused());
    REQUIRE(driver.apply({.run = false}));
    CHECK(emu.request_count("POST", "/api/system/pause") == 1);
    auto s = driver.read_state();
    REQUIRE(s);
    CHECK(s->state == MinerRunState::paused);
    clock->advance(1200ms);
    CHECK(emu.power_w() < 3.0);

    REQUIRE(driver.apply({.run = true, .level = 1}));
    CHECK_FALSE(emu.paused());
    CHECK(emu.frequency() == 425);
    CHECK(emu.request_count("POST", "/api/system/resume") == 1);
    REQUIRE(driver.read_state()->state == MinerRunState::mining);

    // A reboot forgets the pause (RAM only) and keeps the settings (NVS).
    REQUIRE(driver.apply({.run = false}));
    emu.reboot();
    CHECK_FALSE(emu.paused());
    CHECK(emu.frequency() == 425);
}

TEST_CASE("axeos driver: values outside the options are clamped", "[axeos]") {
    AxeosEmulator emu(emu_config());
    REQUIRE(emu.start());
    AxeosDriver driver("gamma1", driver_config_for(emu));
    REQUIRE(driver.apply({.run = true, .frequency_mhz = 900.0, .core_voltage_mv = 1500.0}));
    CHECK(emu.frequency() == 490);
    CHECK(emu.core_voltage() == 1200);
    REQUIRE(driver.apply({.run = true, .frequency_mhz = 480.0}));
    CHECK(emu.frequency() == 475);
    CHECK(emu.core_voltage() == 1150);

    AxeosEmulator emu_oc(emu_config());
    REQUIRE(emu_oc.start());
    AxeosDriver oc("gamma-oc", driver_config_for(emu_oc, 1000ms, true));
    REQUIRE(oc.apply({.run = true, .frequency_mhz = 900.0, .core_voltage_mv = 1500.0}));
    CHECK(emu_oc.frequency() == 575);
    CHECK(emu_oc.core_voltage() == 1300);
}

TEST_CASE("axeos driver: latency above the timeout is a timeout, on time", "[axeos]") {
    AxeosEmulator emu(emu_config());
    REQUIRE(emu.start());
    AxeosDriver driver("gamma1", driver_config_for(emu, 300ms));
    REQUIRE(driver.probe());
    emu.set_latency_ms(1500);
    auto t0 = std::chrono::steady_clock::now();
    auto s = driver.read_state();
    auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::timeout);
    CHECK(s.error().retryable);
    CHECK(s.error().message.find("axeos gamma1: GET /api/system/info") == 0);
    CHECK(took < 800ms);
    emu.set_latency_ms(0);
    CHECK(driver.read_state());
}

TEST_CASE("axeos driver: HTTP 500 is rejected and retryable", "[axeos]") {
    AxeosEmulator emu(emu_config());
    REQUIRE(emu.start());
    AxeosDriver driver("gamma1", driver_config_for(emu));
    REQUIRE(driver.probe());
    emu.set_http_500(true);
    const Status s = test::failed(driver.read_state());
    CHECK(s.code == ErrorCode::rejected);
    CHECK(s.retryable);
    CHECK(s.message.find("500") != std::string::npos);
    auto st = driver.apply({.run = true, .level = 0});
    CHECK(st.code == ErrorCode::rejected);
}

TEST_CASE("axeos driver: malformed JSON is a protocol error", "[axeos]") {
    AxeosEmulator emu(emu_config());
    REQUIRE(emu.start());
    AxeosDriver driver("gamma1", driver_config_for(emu));
    emu.set_malformed_json(true);
    const Status probe = test::failed(driver.probe());
    CHECK(probe.code == ErrorCode::protocol);
    emu.set_malformed_json(false);
    REQUIRE(driver.probe());
    emu.set_malformed_json(true);
    const Status s = test::failed(driver.read_state());
    CHECK(s.code == ErrorCode::protocol);
}

TEST_CASE("axeos driver: acknowledged but ignored writes are not_applied", "[axeos]") {
    AxeosEmulator emu(emu_config());
    REQUIRE(emu.start());
    AxeosDriver driver("gamma1", driver_config_for(emu));
    REQUIRE(driver.probe());
    emu.set_ignore_writes(true);
    auto st = driver.apply({.run = true, .level = 0});
    CHECK(st.code == ErrorCode::not_applied);
    CHECK(st.message.find("expected frequency 400") != std::string::npos);
    CHECK(st.message.find("device reports frequency 490") != std::string::npos);
    CHECK(emu.frequency() == 490);
    CHECK(driver.apply({.run = false}).code == ErrorCode::not_applied);
}

TEST_CASE("axeos driver: offline is unreachable and reported offline", "[axeos]") {
    AxeosEmulator emu(emu_config());
    REQUIRE(emu.start());
    AxeosDriver driver("gamma1", driver_config_for(emu));
    REQUIRE(driver.read_state());
    emu.set_offline(true);
    const Status s = test::failed(driver.read_state());
    CHECK(s.code == ErrorCode::unreachable);
    CHECK(driver.last_state().state == MinerRunState::offline);
    CHECK_FALSE(driver.last_state().online);
    CHECK_FALSE(driver.last_state().power_w.has_value());
    CHECK(driver.apply({.run = true, .level = 0}).code == ErrorCode::unreachable);
    emu.set_offline(false);
    auto back = driver.read_state();
    REQUIRE(back);
    CHECK(back->state == MinerRunState::mining);
}

TEST_CASE("axeos driver: firmware without pause sets the lowest level", "[axeos]") {
    AxeosEmulator emu(emu_config("gamma", "v2.12.2"));
    REQUIRE(emu.start());
    AxeosDriver driver("old", driver_config_for(emu));
    auto caps = driver.probe();
    REQUIRE(caps);
    CHECK_FALSE(caps->can_pause);
    auto st = driver.apply({.run = false});
    CHECK(st.code == ErrorCode::unsupported);
    CHECK(emu.frequency() == 400);
    CHECK(emu.request_count("POST", "/api/system/pause") == 0);
}

TEST_CASE("axeos driver: firmware without /asic falls back to estimated options", "[axeos]") {
    AxeosEmulator emu(emu_config("supra", "v2.6.0"));
    REQUIRE(emu.start());
    AxeosDriver driver("older", driver_config_for(emu));
    auto s = driver.read_state();
    REQUIRE(s);
    CHECK(s->detail.find("estimated") != std::string::npos);
    CHECK(s->model == "BM1368 board 401");
    CHECK(*s->caps.levels.back().frequency_mhz == 490);
    CHECK(*s->caps.levels.front().frequency_mhz == 390);
    REQUIRE(driver.apply({.run = true, .level = 0}));
    CHECK(emu.frequency() == 390);
}

TEST_CASE("axeos driver: fault and overheat states from the emulator", "[axeos]") {
    AxeosEmulator emu(emu_config("hex"));
    REQUIRE(emu.start());
    AxeosDriver driver("hex1", driver_config_for(emu));
    auto s = driver.read_state();
    REQUIRE(s);
    CHECK(s->model == "SupraHex BM1368 board 701");
    CHECK(*s->hashrate_ths == Approx(490 * 1276 * 6 / 1e6).epsilon(0.01));
    emu.set_overheat(true);
    CHECK(driver.read_state()->state == MinerRunState::overheated);
    emu.set_power_fault("VIN undervoltage");
    auto f = driver.read_state();
    REQUIRE(f);
    CHECK(f->state == MinerRunState::error);
    CHECK(f->detail.find("VIN undervoltage") != std::string::npos);
}

TEST_CASE("axeos emulator: several on different ports, bad board refused", "[axeos]") {
    AxeosEmulator a(emu_config("gamma")), b(emu_config("supra")), c(emu_config("hex"));
    REQUIRE(a.start());
    REQUIRE(b.start());
    REQUIRE(c.start());
    CHECK(a.port() != b.port());
    CHECK(b.port() != c.port());
    CHECK(c.power_w() > a.power_w());
    CHECK(a.hashrate_ghs() == Approx(490 * 2040 / 1000.0).epsilon(0.01));
    AxeosEmulator bad(emu_config("nope"));
    CHECK(bad.start().code == ErrorCode::invalid);
}
