// The AxeOS driver against the emulator over real HTTP on loopback.
#include <catch2/catch.hpp>
#include <chrono>

#include "adapters/miners/axeos/axeos_driver.hpp"
#include "adapters/miners/registry.hpp"
#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "tests/support/driver_rig.hpp"
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

struct Rig : test::DriverRig<AxeosEmulator, AxeosDriver> {
    explicit Rig(EmulatorConfig c = emu_config(), miners::emu::SharedClock clock = {},
                 const std::string& id = "gamma1", Duration timeout = 1000ms)
        : DriverRig(std::move(c), std::move(clock), id,
                    [&](const AxeosEmulator& emu) { return driver_config_for(emu, timeout); }) {}
};

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
    Rig rig;

    auto caps = rig.driver.probe();
    REQUIRE(caps);
    CHECK(caps->can_pause);
    CHECK(caps->levels.size() == 6);
    CHECK(*caps->levels[caps->nominal_level].frequency_mhz == 490);
    CHECK(caps->nominal_power_w() == Approx(19.0).epsilon(0.02));

    auto s = rig.driver.read_state();
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
    Rig rig(emu_config(), clock);
    REQUIRE(rig.driver.probe());
    const double p_before = rig.emu.power_w();

    REQUIRE(rig.driver.apply({.run = true, .level = 0}));
    CHECK(rig.emu.frequency() == 400);
    CHECK(rig.emu.core_voltage() == 1100);
    auto s = rig.driver.read_state();
    REQUIRE(s);
    CHECK(*s->frequency_mhz == 400);
    CHECK(*s->core_voltage_mv == 1100);
    // Power follows with a first-order lag (0.2 s here).
    clock->advance(1200ms);
    CHECK(rig.emu.power_w() < p_before * 0.75);
    CHECK(rig.emu.power_w() ==
          Approx(19.0 * 400 / 490 * (1100.0 / 1200) * (1100.0 / 1200)).epsilon(0.03));
}

TEST_CASE("axeos driver: idempotent re-apply sends no PATCH", "[axeos]") {
    Rig rig;
    REQUIRE(rig.driver.probe());
    MinerTarget t{.run = true, .level = 2};
    REQUIRE(rig.driver.apply(t));
    CHECK(rig.emu.request_count("PATCH", "/api/system") == 1);
    REQUIRE(rig.driver.apply(t));
    REQUIRE(rig.driver.apply(t));
    CHECK(rig.emu.request_count("PATCH", "/api/system") == 1);
    CHECK(rig.emu.request_count("POST", "/api/system/resume") == 0);
    // The stock point is where it started: nothing to write either.
    AxeosEmulator emu2(emu_config());
    REQUIRE(emu2.start());
    AxeosDriver d2("gamma2", driver_config_for(emu2));
    REQUIRE(d2.apply({.run = true}));
    CHECK(emu2.request_count("PATCH", "/api/system") == 0);
}

TEST_CASE("axeos driver: pause and resume", "[axeos]") {
    auto clock = std::make_shared<miners::emu::ManualEmulatorClock>();
    Rig rig(emu_config(), clock);
    REQUIRE(rig.driver.probe());

    REQUIRE(rig.driver.apply({.run = false}));
    CHECK(rig.emu.paused());
    REQUIRE(rig.driver.apply({.run = false}));
    CHECK(rig.emu.request_count("POST", "/api/system/pause") == 1);
    auto s = rig.driver.read_state();
    REQUIRE(s);
    CHECK(s->state == MinerRunState::paused);
    clock->advance(1200ms);
    CHECK(rig.emu.power_w() < 3.0);

    REQUIRE(rig.driver.apply({.run = true, .level = 1}));
    CHECK_FALSE(rig.emu.paused());
    CHECK(rig.emu.frequency() == 425);
    CHECK(rig.emu.request_count("POST", "/api/system/resume") == 1);
    REQUIRE(rig.driver.read_state()->state == MinerRunState::mining);

    // A reboot forgets the pause (RAM only) and keeps the settings (NVS).
    REQUIRE(rig.driver.apply({.run = false}));
    rig.emu.reboot();
    CHECK_FALSE(rig.emu.paused());
    CHECK(rig.emu.frequency() == 425);
}

TEST_CASE("axeos driver: values outside the options are clamped", "[axeos]") {
    Rig rig;
    REQUIRE(rig.driver.apply({.run = true, .frequency_mhz = 900.0, .core_voltage_mv = 1500.0}));
    CHECK(rig.emu.frequency() == 490);
    CHECK(rig.emu.core_voltage() == 1200);
    REQUIRE(rig.driver.apply({.run = true, .frequency_mhz = 480.0}));
    CHECK(rig.emu.frequency() == 475);
    CHECK(rig.emu.core_voltage() == 1150);

    AxeosEmulator emu_oc(emu_config());
    REQUIRE(emu_oc.start());
    AxeosDriver oc("gamma-oc", driver_config_for(emu_oc, 1000ms, true));
    REQUIRE(oc.apply({.run = true, .frequency_mhz = 900.0, .core_voltage_mv = 1500.0}));
    CHECK(emu_oc.frequency() == 575);
    CHECK(emu_oc.core_voltage() == 1300);
}

TEST_CASE("axeos driver: latency above the timeout is a timeout, on time", "[axeos]") {
    Rig rig(emu_config(), {}, "gamma1", 300ms);
    REQUIRE(rig.driver.probe());
    rig.emu.set_latency_ms(1500);
    auto t0 = std::chrono::steady_clock::now();
    auto s = rig.driver.read_state();
    auto took = std::chrono::steady_clock::now() - t0;
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::timeout);
    CHECK(s.error().retryable);
    CHECK(s.error().message.find("axeos gamma1: GET /api/system/info") == 0);
    CHECK(took < 800ms);
    rig.emu.set_latency_ms(0);
    CHECK(rig.driver.read_state());
}

TEST_CASE("axeos driver: HTTP 500 is rejected and retryable", "[axeos]") {
    Rig rig;
    REQUIRE(rig.driver.probe());
    rig.emu.set_http_500(true);
    const Status s = test::failed(rig.driver.read_state());
    CHECK(s.code == ErrorCode::rejected);
    CHECK(s.retryable);
    CHECK(s.message.find("500") != std::string::npos);
    auto st = rig.driver.apply({.run = true, .level = 0});
    CHECK(st.code == ErrorCode::rejected);
}

TEST_CASE("axeos driver: malformed JSON is a protocol error", "[axeos]") {
    Rig rig;
    rig.emu.set_malformed_json(true);
    const Status probe = test::failed(rig.driver.probe());
    CHECK(probe.code == ErrorCode::protocol);
    rig.emu.set_malformed_json(false);
    REQUIRE(rig.driver.probe());
    rig.emu.set_malformed_json(true);
    const Status s = test::failed(rig.driver.read_state());
    CHECK(s.code == ErrorCode::protocol);
}

TEST_CASE("axeos driver: acknowledged but ignored writes are not_applied", "[axeos]") {
    Rig rig;
    REQUIRE(rig.driver.probe());
    rig.emu.set_ignore_writes(true);
    auto st = rig.driver.apply({.run = true, .level = 0});
    CHECK(st.code == ErrorCode::not_applied);
    CHECK(st.message.find("expected frequency 400") != std::string::npos);
    CHECK(st.message.find("device reports frequency 490") != std::string::npos);
    CHECK(rig.emu.frequency() == 490);
    CHECK(rig.driver.apply({.run = false}).code == ErrorCode::not_applied);
}

TEST_CASE("axeos driver: offline is unreachable and reported offline", "[axeos]") {
    Rig rig;
    REQUIRE(rig.driver.read_state());
    rig.emu.set_offline(true);
    const Status s = test::failed(rig.driver.read_state());
    CHECK(s.code == ErrorCode::unreachable);
    CHECK(rig.driver.last_state().state == MinerRunState::offline);
    CHECK_FALSE(rig.driver.last_state().online);
    CHECK_FALSE(rig.driver.last_state().power_w.has_value());
    CHECK(rig.driver.apply({.run = true, .level = 0}).code == ErrorCode::unreachable);
    rig.emu.set_offline(false);
    auto back = rig.driver.read_state();
    REQUIRE(back);
    CHECK(back->state == MinerRunState::mining);
}

TEST_CASE("axeos driver: firmware without pause sets the lowest level", "[axeos]") {
    Rig rig(emu_config("gamma", "v2.12.2"), {}, "old");
    auto caps = rig.driver.probe();
    REQUIRE(caps);
    CHECK_FALSE(caps->can_pause);
    auto st = rig.driver.apply({.run = false});
    CHECK(st.code == ErrorCode::unsupported);
    CHECK(rig.emu.frequency() == 400);
    CHECK(rig.emu.request_count("POST", "/api/system/pause") == 0);
}

TEST_CASE("axeos driver: firmware without /asic falls back to estimated options", "[axeos]") {
    Rig rig(emu_config("supra", "v2.6.0"), {}, "older");
    auto s = rig.driver.read_state();
    REQUIRE(s);
    CHECK(s->detail.find("estimated") != std::string::npos);
    CHECK(s->model == "BM1368 board 401");
    CHECK(*s->caps.levels.back().frequency_mhz == 490);
    CHECK(*s->caps.levels.front().frequency_mhz == 390);
    REQUIRE(rig.driver.apply({.run = true, .level = 0}));
    CHECK(rig.emu.frequency() == 390);
}

TEST_CASE("axeos driver: fault and overheat states from the emulator", "[axeos]") {
    Rig rig(emu_config("hex"), {}, "hex1");
    auto s = rig.driver.read_state();
    REQUIRE(s);
    CHECK(s->model == "SupraHex BM1368 board 701");
    CHECK(*s->hashrate_ths == Approx(490 * 1276 * 6 / 1e6).epsilon(0.01));
    rig.emu.set_overheat(true);
    CHECK(rig.driver.read_state()->state == MinerRunState::overheated);
    rig.emu.set_power_fault("VIN undervoltage");
    auto f = rig.driver.read_state();
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
