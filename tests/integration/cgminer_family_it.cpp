// The Avalon and generic cgminer drivers against their emulators over the 4028 protocol.
#include <catch2/catch.hpp>
#include <chrono>

#include "adapters/miners/avalon/avalon_driver.hpp"
#include "adapters/miners/cgminer/cgminer_driver.hpp"
#include "adapters/miners/registry.hpp"
#include "emulators/miners/avalon/avalon_emulator.hpp"
#include "emulators/miners/cgminer/cgminer_emulator.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "tests/support/driver_rig.hpp"
#include "tests/support/driver_types.hpp"
#include "tests/support/results.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace hashsink::miners;
using namespace std::chrono_literals;

namespace {

avalon::EmulatorConfig avalon_emu() {
    avalon::EmulatorConfig c;
    c.switch_delay_ms = 150;
    c.ramp_s = 0.3;
    return c;
}

avalon::DriverConfig avalon_cfg(const avalon::AvalonEmulator& emu) {
    avalon::DriverConfig c = avalon::driver_settings().from(Options{});  // the declared defaults
    c.host = emu.host();
    c.port = emu.port();
    c.timeout = 1000ms;
    c.verify_timeout = 1500ms;
    c.eco_power_w = 800;
    c.power_w = 1300;
    c.super_power_w = 1674;
    return c;
}

struct Rig : test::DriverRig<avalon::AvalonEmulator, avalon::AvalonDriver> {
    explicit Rig(avalon::EmulatorConfig c = avalon_emu())
        : DriverRig(std::move(c), {}, "q1", avalon_cfg) {}
};

}  // namespace

TEST_CASE("avalon and cgminer drivers: registered", "[avalon][cgminer]") {
    for (const char* name : {"avalon", "cgminer"}) {
        Options o;
        o.set("host", std::string("127.0.0.1"));
        o.set("power_w", 1300.0);
        test::check_makes(test::registered(name), o);
    }
}

TEST_CASE("avalon driver: probe and read", "[avalon]") {
    Rig rig;
    auto caps = rig.driver.probe();
    REQUIRE(caps);
    REQUIRE(caps->levels.size() == 3);
    CHECK(caps->levels[0].power_w == 800);
    CHECK(caps->nominal_level == 1);
    CHECK(caps->levels[1].hashrate_ths == Approx(72));
    CHECK(caps->can_pause);
    auto s = rig.driver.read_state();
    REQUIRE(s);
    CHECK(s->model == "Avalon Q");
    CHECK(s->firmware == "25052801_14a19a2");
    CHECK(s->state == MinerRunState::mining);
    CHECK(*s->hashrate_ths == Approx(72).epsilon(0.01));
    CHECK(*s->chip_temp_c > 45);
    CHECK(s->detail.find("work mode 1") != std::string::npos);
    REQUIRE(s->power_w);                 // from PS[...], as the emulator models the draw
    CHECK(*s->power_w == Approx(rig.emu.power_w()).margin(15));
}

TEST_CASE("avalon driver: soft off, soft on (no reply), work modes, verified", "[avalon]") {
    Rig rig;
    REQUIRE(rig.driver.probe());

    REQUIRE(rig.driver.apply({.run = false}));
    CHECK(rig.emu.idle());
    auto idle = rig.driver.read_state();
    CHECK(idle->state == MinerRunState::paused);
    CHECK(idle->power_w.has_value());    // ramping down to the soft off draw
    REQUIRE(rig.driver.apply({.run = false}));
    CHECK(rig.emu.command_count("ascset") == 1);

    REQUIRE(rig.driver.apply({.run = true, .level = 2}));
    CHECK_FALSE(rig.emu.idle());
    CHECK(rig.emu.work_mode() == 2);
    REQUIRE(rig.driver.apply({.run = true, .level = 0}));
    CHECK(rig.emu.work_mode() == 0);
    REQUIRE(rig.driver.apply({.run = true, .power_w = 1400}));
    CHECK(rig.emu.work_mode() == 1);
    const auto n = rig.emu.command_count("ascset");
    REQUIRE(rig.driver.apply({.run = true, .power_w = 1400}));
    CHECK(rig.emu.command_count("ascset") == n);
    // On the steady clock: the driver's verify waits out the delayed soft off and on.
    CHECK(test::eventually([&] { return rig.emu.power_w() == Approx(1300).epsilon(0.01); }));
}

TEST_CASE("avalon driver: acknowledged but not applied", "[avalon]") {
    avalon::AvalonEmulator emu(avalon_emu());
    REQUIRE(emu.start());
    auto c = avalon_cfg(emu);
    c.verify_timeout = 600ms;
    avalon::AvalonDriver d("q1", c);
    emu.set_ignore_writes(true);
    auto st = d.apply({.run = false});
    CHECK(st.code == ErrorCode::not_applied);
    CHECK(st.message.find("expected idle (soft off)") != std::string::npos);
    st = d.apply({.run = true, .level = 0});
    CHECK(st.code == ErrorCode::not_applied);
    emu.set_ignore_writes(false);
    CHECK(d.apply({.run = true, .level = 0}));
}

TEST_CASE("avalon driver: faults and reboot mid-ramp", "[avalon]") {
    auto clock = std::make_shared<miners::emu::ManualEmulatorClock>();
    auto ec = avalon_emu();
    ec.ramp_s = 3;
    avalon::AvalonEmulator emu(ec, clock);
    REQUIRE(emu.start());
    auto c = avalon_cfg(emu);
    c.timeout = 300ms;
    avalon::AvalonDriver d("q1", c);
    REQUIRE(d.read_state());

    emu.set_latency_ms(800);
    auto t0 = std::chrono::steady_clock::now();
    auto s = d.read_state();
    CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::timeout);
    CHECK(s.error().message.find("avalon q1: ") == 0);
    emu.set_latency_ms(0);
    // The server answers one request at a time: it answers again once the slow one is done.
    REQUIRE(test::eventually([&] { return static_cast<bool>(d.read_state()); }, 10s));

    emu.set_failing(true);
    s = d.read_state();
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::rejected);
    CHECK(d.apply({.run = false}).code == ErrorCode::rejected);
    emu.set_failing(false);

    emu.set_malformed(true);
    s = d.read_state();
    REQUIRE_FALSE(s);
    CHECK(d.last_state().state == MinerRunState::offline);
    CHECK_FALSE(d.last_state().hashrate_ths);
    emu.set_malformed(false);

    REQUIRE(d.apply({.run = true, .level = 2}));
    emu.reboot(400ms);
    CHECK_FALSE(d.read_state());
    clock->advance(400ms);
    REQUIRE(test::eventually([&] { return static_cast<bool>(d.read_state()); }, 5s));
    CHECK(emu.work_mode() == 2);
    CHECK(emu.hashrate_ths() < 90);
}

TEST_CASE("cgminer driver: read-only monitoring of a bmminer", "[cgminer]") {
    cgminer::CgminerEmulator emu;
    REQUIRE(emu.start());
    cgminer::DriverConfig c{.host = emu.host(), .port = emu.port(), .timeout = 1000ms, .power_w = 1350};
    cgminer::CgminerDriver d("s9", c);
    auto s = d.read_state();
    REQUIRE(s);
    CHECK(s->model == "Antminer S9");
    CHECK(s->firmware == "bmminer 1.0.0 (16.8.1.3)");
    CHECK(s->state == MinerRunState::mining);
    CHECK(*s->hashrate_ths == Approx(13.5).epsilon(0.01));
    CHECK(*s->chip_temp_c == 75);
    CHECK(*s->vr_temp_c == 60);
    CHECK(*s->fan_rpm == Approx(5940));
    CHECK(*s->frequency_mhz == 650);
    CHECK(s->caps.levels.size() == 1);
    CHECK_FALSE(s->caps.can_pause);

    CHECK(d.apply({.run = true}));
    auto st = d.apply({.run = false});
    CHECK(st.code == ErrorCode::unsupported);
    CHECK_FALSE(st.retryable);

    emu.set_hashing(false);
    CHECK(d.read_state()->state == MinerRunState::error);
    emu.set_hashing(true);

    emu.set_offline(true);
    const Status off = test::failed(d.read_state());
    CHECK(off.code == ErrorCode::unreachable);
    CHECK(d.last_state().state == MinerRunState::offline);
    CHECK_FALSE(d.last_state().hashrate_ths);
    emu.set_offline(false);
    CHECK(d.read_state());
    emu.set_malformed(true);
    CHECK_FALSE(d.read_state());
    emu.set_malformed(false);
    CHECK(d.read_state());
}
