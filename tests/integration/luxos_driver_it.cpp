// The LuxOS driver against its emulator over real TCP on loopback, and the recorded replies.
#include <catch2/catch.hpp>
#include <chrono>

#include "adapters/miners/luxos/luxos_driver.hpp"
#include "adapters/miners/registry.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "emulators/miners/luxos/luxos_emulator.hpp"
#include "tests/support/driver_rig.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace hashsink::miners::luxos;
using namespace std::chrono_literals;

namespace {

DriverConfig cfg(const LuxosEmulator& emu, Duration timeout = 1000ms) {
    DriverConfig c = driver_settings().from(Options{});  // the declared defaults
    c.host = "127.0.0.1";
    c.port = emu.port();
    c.timeout = timeout;
    c.verify_timeout = 600ms;
    return c;
}

EmulatorConfig emu_cfg() {
    EmulatorConfig c;
    c.lag_s = 0.2;
    return c;
}

struct Rig : test::DriverRig<LuxosEmulator, LuxosDriver> {
    explicit Rig(EmulatorConfig c = emu_cfg(), miners::emu::SharedClock clock = {},
                 const std::string& id = "lux1", Duration timeout = 1000ms)
        : DriverRig(std::move(c), std::move(clock), id,
                    [&](const LuxosEmulator& emu) { return cfg(emu, timeout); }) {}
};

nlohmann::json fixture(const std::string& name) {
    auto r = transport::parse_cgminer_reply(test::fixture_text("luxos/" + name), name);
    REQUIRE(r);
    return *r;
}

}  // namespace

TEST_CASE("luxos fixtures: recorded replies decode to the expected values", "[luxos]") {
    auto profiles = decode_profiles(fixture("profiles.json"));
    REQUIRE(profiles);
    CHECK(profiles->size() == 25);
    auto caps = build_caps(*profiles, false);
    CHECK(caps.levels.size() == 17);   // 190 MHz .. default (590 MHz)
    CHECK(caps.levels.front().power_w == 784);
    CHECK(caps.nominal_power_w() == 2794);
    CHECK(caps.max_power_w() == 2794);
    CHECK(caps.can_pause);
    CHECK(build_caps(*profiles, true).max_power_w() == 4195);

    Replies r;
    r.config = fixture("config.json");
    r.summary = fixture("summary.json");
    r.power = fixture("power.json");
    r.temps = fixture("temps.json");
    r.fans = fixture("fans.json");
    r.version = fixture("version.json");
    auto s = decode_state(r);
    CHECK(s.model == "Antminer S19k Pro");
    CHECK(s.firmware == "2025.4.8.220305-57b389c7");
    CHECK(s.state == MinerRunState::mining);
    CHECK(*s.hashrate_ths == Approx(59.75606));
    CHECK(*s.power_w == 1051);
    CHECK(*s.chip_temp_c == 47);
    CHECK(*s.fan_rpm == Approx((1920 + 1920 + 2340 + 2340) / 4.0));
    CHECK(s.detail.find("profile 290MHz (ATM on)") != std::string::npos);
}

TEST_CASE("luxos driver: registered, probe and read the emulator", "[luxos]") {
    const auto* t = miners::find_driver_type("luxos");
    REQUIRE(t != nullptr);
    Rig rig;
    auto caps = rig.driver.probe();
    REQUIRE(caps);
    CHECK(caps->levels.size() == 17);
    auto s = rig.driver.read_state();
    REQUIRE(s);
    CHECK(s->online);
    CHECK(s->state == MinerRunState::mining);
    CHECK(s->model == "Antminer S19k Pro");
    CHECK(*s->power_w == Approx(2794).epsilon(0.02));
    CHECK(*s->frequency_mhz == 590);
    CHECK(s->chip_temp_c.has_value());
}

TEST_CASE("luxos driver: profile write with ATM off and restored, sleep and wake", "[luxos]") {
    Rig rig;
    REQUIRE(rig.driver.probe());
    REQUIRE(rig.driver.apply({.run = true, .power_w = 1200}));
    CHECK(rig.emu.profile() == "290MHz");
    CHECK(rig.emu.atm_enabled());  // restored
    CHECK(rig.emu.command_count("atmset") == 2);
    CHECK_FALSE(rig.emu.session_active());  // logged off: the web UI is not locked out
    REQUIRE(rig.driver.apply({.run = true, .level = 0}));
    CHECK(rig.emu.profile() == "190MHz");
    // Idempotent: nothing written again.
    const auto sets = rig.emu.command_count("profileset");
    REQUIRE(rig.driver.apply({.run = true, .level = 0}));
    CHECK(rig.emu.command_count("profileset") == sets);

    REQUIRE(rig.driver.apply({.run = false}));
    CHECK(rig.emu.sleeping());
    REQUIRE(rig.driver.read_state()->state == MinerRunState::paused);
    REQUIRE(rig.driver.apply({.run = true}));  // wakes at the stock profile
    CHECK_FALSE(rig.emu.sleeping());
    CHECK(rig.emu.profile() == "default");
}

TEST_CASE("luxos driver: expired session is renewed, a foreign one is retryable", "[luxos]") {
    auto clock = std::make_shared<miners::emu::ManualEmulatorClock>();
    EmulatorConfig ec = emu_cfg();
    ec.session_ttl_s = 0.3;
    Rig rig(ec, clock);
    REQUIRE(rig.driver.probe());
    rig.emu.hold_foreign_session();
    auto st = rig.driver.apply({.run = false});
    CHECK(st.code == ErrorCode::rejected);
    CHECK(st.retryable);
    CHECK(st.message.find("Another session is active") != std::string::npos);
    clock->advance(500ms);  // the foreign session idles out
    REQUIRE(rig.driver.apply({.run = false}));
    CHECK(rig.emu.sleeping());
}

TEST_CASE("luxos driver: acknowledged but ignored writes are not_applied", "[luxos]") {
    Rig rig;
    REQUIRE(rig.driver.probe());
    rig.emu.set_ignore_writes(true);
    auto t0 = std::chrono::steady_clock::now();
    auto st = rig.driver.apply({.run = false});
    CHECK(st.code == ErrorCode::not_applied);
    CHECK(st.retryable);
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
    CHECK(rig.driver.apply({.run = true, .level = 2}).code == ErrorCode::not_applied);
    CHECK(rig.emu.profile() == "default");
    CHECK(rig.emu.atm_enabled());  // restored even though the profile write did nothing
}

TEST_CASE("luxos driver: latency, failing firmware, malformed replies, offline", "[luxos]") {
    Rig rig(emu_cfg(), {}, "lux1", 300ms);
    REQUIRE(rig.driver.read_state());

    rig.emu.set_latency_ms(1000);
    auto slow = rig.driver.read_state();
    REQUIRE_FALSE(slow);
    CHECK(slow.error().code == ErrorCode::timeout);
    CHECK(slow.error().message.rfind("luxos lux1: config: ", 0) == 0);
    rig.emu.set_latency_ms(0);
    // The server answers one request at a time: it answers again once the slow one is done.
    REQUIRE(test::eventually([&] { return static_cast<bool>(rig.driver.read_state()); }, 10s));

    rig.emu.set_failing(true);
    auto f = rig.driver.read_state();
    REQUIRE_FALSE(f);
    CHECK(f.error().code == ErrorCode::rejected);
    rig.emu.set_failing(false);

    rig.emu.set_malformed(true);
    auto m = rig.driver.read_state();
    REQUIRE_FALSE(m);
    CHECK(m.error().code == ErrorCode::protocol);
    rig.emu.set_malformed(false);

    REQUIRE(rig.driver.read_state());
    rig.emu.set_offline(true);
    auto off = rig.driver.read_state();
    REQUIRE_FALSE(off);
    CHECK(off.error().code == ErrorCode::unreachable);
    CHECK(rig.driver.last_state().state == MinerRunState::offline);
    CHECK_FALSE(rig.driver.last_state().power_w.has_value());
    rig.emu.set_offline(false);
    REQUIRE(rig.driver.read_state());
}

TEST_CASE("luxos driver: a reboot mid-ramp drops the session and power", "[luxos]") {
    Rig rig;
    REQUIRE(rig.driver.apply({.run = true, .level = 3}));
    rig.emu.reboot();
    auto s = rig.driver.read_state();
    REQUIRE(s);
    CHECK(*s->power_w < 1080 * 0.5);
    REQUIRE(rig.driver.apply({.run = true, .level = 4}));  // new session after the reboot
    CHECK(rig.emu.profile() == "290MHz");
}
