// The LuxOS driver against its emulator over real TCP on loopback, and the recorded replies.
#include <catch2/catch.hpp>
#include <chrono>

#include "adapters/miners/luxos/luxos_driver.hpp"
#include "adapters/miners/registry.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "emulators/miners/luxos/luxos_emulator.hpp"
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
    LuxosEmulator emu(emu_cfg());
    REQUIRE(emu.start());
    LuxosDriver d("lux1", cfg(emu));
    auto caps = d.probe();
    REQUIRE(caps);
    CHECK(caps->levels.size() == 17);
    auto s = d.read_state();
    REQUIRE(s);
    CHECK(s->online);
    CHECK(s->state == MinerRunState::mining);
    CHECK(s->model == "Antminer S19k Pro");
    CHECK(*s->power_w == Approx(2794).epsilon(0.02));
    CHECK(*s->frequency_mhz == 590);
    CHECK(s->chip_temp_c.has_value());
}

TEST_CASE("luxos driver: profile write with ATM off and restored, sleep and wake", "[luxos]") {
    LuxosEmulator emu(emu_cfg());
    REQUIRE(emu.start());
    LuxosDriver d("lux1", cfg(emu));
    REQUIRE(d.probe());
    REQUIRE(d.apply({.run = true, .power_w = 1200}));
    CHECK(emu.profile() == "290MHz");
    CHECK(emu.atm_enabled());   // restored
    CHECK(emu.command_count("atmset") == 2);
    CHECK_FALSE(emu.session_active());   // logged off: the web UI is not locked out
    REQUIRE(d.apply({.run = true, .level = 0}));
    CHECK(emu.profile() == "190MHz");
    // Idempotent: nothing written again.
    const auto sets = emu.command_count("profileset");
    REQUIRE(d.apply({.run = true, .level = 0}));
    CHECK(emu.command_count("profileset") == sets);

    REQUIRE(d.apply({.run = false}));
    CHECK(emu.sleeping());
    REQUIRE(d.read_state()->state == MinerRunState::paused);
    REQUIRE(d.apply({.run = true}));   // wakes at the stock profile
    CHECK_FALSE(emu.sleeping());
    CHECK(emu.profile() == "default");
}

TEST_CASE("luxos driver: expired session is renewed, a foreign one is retryable", "[luxos]") {
    auto clock = std::make_shared<miners::emu::ManualEmulatorClock>();
    EmulatorConfig ec = emu_cfg();
    ec.session_ttl_s = 0.3;
    LuxosEmulator emu(ec, clock);
    REQUIRE(emu.start());
    LuxosDriver d("lux1", cfg(emu));
    REQUIRE(d.probe());
    emu.hold_foreign_session();
    auto st = d.apply({.run = false});
    CHECK(st.code == ErrorCode::rejected);
    CHECK(st.retryable);
    CHECK(st.message.find("Another session is active") != std::string::npos);
    clock->advance(500ms);  // the foreign session idles out
    REQUIRE(d.apply({.run = false}));
    CHECK(emu.sleeping());
}

TEST_CASE("luxos driver: acknowledged but ignored writes are not_applied", "[luxos]") {
    LuxosEmulator emu(emu_cfg());
    REQUIRE(emu.start());
    LuxosDriver d("lux1", cfg(emu));
    REQUIRE(d.probe());
    emu.set_ignore_writes(true);
    auto t0 = std::chrono::steady_clock::now();
    auto st = d.apply({.run = false});
    CHECK(st.code == ErrorCode::not_applied);
    CHECK(st.retryable);
    CHECK(std::chrono::steady_clock::now() - t0 < 3s);
    CHECK(d.apply({.run = true, .level = 2}).code == ErrorCode::not_applied);
    CHECK(emu.profile() == "default");
    CHECK(emu.atm_enabled());   // restored even though the profile write did nothing
}

TEST_CASE("luxos driver: latency, failing firmware, malformed replies, offline", "[luxos]") {
    LuxosEmulator emu(emu_cfg());
    REQUIRE(emu.start());
    LuxosDriver d("lux1", cfg(emu, 300ms));
    REQUIRE(d.read_state());

    emu.set_latency_ms(1000);
    auto slow = d.read_state();
    REQUIRE_FALSE(slow);
    CHECK(slow.error().code == ErrorCode::timeout);
    CHECK(slow.error().message.rfind("luxos lux1: config: ", 0) == 0);
    emu.set_latency_ms(0);
    // The server answers one request at a time: it answers again once the slow one is done.
    REQUIRE(test::eventually([&] { return static_cast<bool>(d.read_state()); }, 10s));

    emu.set_failing(true);
    auto f = d.read_state();
    REQUIRE_FALSE(f);
    CHECK(f.error().code == ErrorCode::rejected);
    emu.set_failing(false);

    emu.set_malformed(true);
    auto m = d.read_state();
    REQUIRE_FALSE(m);
    CHECK(m.error().code == ErrorCode::protocol);
    emu.set_malformed(false);

    REQUIRE(d.read_state());
    emu.set_offline(true);
    auto off = d.read_state();
    REQUIRE_FALSE(off);
    CHECK(off.error().code == ErrorCode::unreachable);
    CHECK(d.last_state().state == MinerRunState::offline);
    CHECK_FALSE(d.last_state().power_w.has_value());
    emu.set_offline(false);
    REQUIRE(d.read_state());
}

TEST_CASE("luxos driver: a reboot mid-ramp drops the session and power", "[luxos]") {
    LuxosEmulator emu(emu_cfg());
    REQUIRE(emu.start());
    LuxosDriver d("lux1", cfg(emu));
    REQUIRE(d.apply({.run = true, .level = 3}));
    emu.reboot();
    auto s = d.read_state();
    REQUIRE(s);
    CHECK(*s->power_w < 1080 * 0.5);
    REQUIRE(d.apply({.run = true, .level = 4}));   // new session after the reboot
    CHECK(emu.profile() == "290MHz");
}
