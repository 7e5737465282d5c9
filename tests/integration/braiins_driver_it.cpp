// The Braiins OS driver against its emulator over real HTTP on loopback, and the recorded bodies.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "adapters/miners/braiins/braiins_driver.hpp"
#include "adapters/miners/registry.hpp"
#include "emulators/miners/braiins/braiins_emulator.hpp"
#include "tests/support/driver_types.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/http_faults.hpp"
#include "tests/support/login_rig.hpp"
#include "tests/support/process.hpp"
#include "tests/support/results.hpp"

using namespace hashsink;
using namespace hashsink::miners::braiins;
using namespace std::chrono_literals;

namespace {

struct Rig : test::LoginRig<BraiinsEmulator, EmulatorConfig, DriverConfig, &driver_settings> {
    explicit Rig(EmulatorConfig c = base()) : LoginRig(std::move(c), "secret-pw") {}
    static EmulatorConfig base() {
        EmulatorConfig c;
        c.password = "secret-pw";
        c.lag_s = 0.2;
        return c;
    }
};

nlohmann::json fixture(const std::string& name) { return test::fixture_json("braiins/" + name); }

}  // namespace

TEST_CASE("braiins fixtures: recorded bodies decode to the expected values", "[braiins]") {
    Bodies b;
    b.details = fixture("rest_v26.04_miner_details.json");
    b.stats = fixture("rest_v26.04_miner_stats.json");
    b.cooling = fixture("rest_v26.04_cooling_state.json");
    b.tuner = fixture("rest_v26.04_performance_tuner_state.json");
    b.hashboards = fixture("rest_v26.04_miner_hw_hashboards.json");
    auto s = decode_state(b);
    CHECK(s.driver == "braiins");
    CHECK(s.model == "Antminer S21 Pro");
    CHECK(s.firmware == "2026-04-14-0-912d084c-26.04-plus");
    CHECK(s.state == MinerRunState::mining);
    CHECK(*s.hashrate_ths == Approx(248.18667720002498));
    CHECK(*s.power_w == 3480);
    CHECK(*s.chip_temp_c == Approx(65.375));
    CHECK(*s.fan_rpm == Approx((5943 * 3 + 5973) / 4.0));
    CHECK(*s.frequency_mhz == Approx(625.865).epsilon(0.05));
    CHECK(s.detail == "power target 3500 W");
    CHECK(*current_power_target_w(b.tuner) == 3500);
}

TEST_CASE("braiins driver: registered with a secret password_file key", "[braiins]") {
    CHECK(test::key_of(test::registered("braiins"), "password_file").secret);
}

TEST_CASE("braiins driver: login, probe and read", "[braiins]") {
    Rig rig;
    BraiinsDriver d("bos1", rig.cfg());
    auto caps = d.probe();
    REQUIRE(caps);
    CHECK(caps->continuous_power);
    CHECK(caps->power_step_w == 50);
    CHECK(caps->min_power_w() == 1600);
    CHECK(caps->nominal_power_w() == 3500);
    CHECK(caps->max_power_w() == 4400);
    CHECK(caps->can_pause);
    auto s = d.read_state();
    REQUIRE(s);
    CHECK(s->state == MinerRunState::mining);
    CHECK(s->model == "Antminer S21 Pro");
    CHECK(*s->power_w == Approx(3480).epsilon(0.02));
    CHECK(rig.emu.logins() == 1);
}

TEST_CASE("braiins driver: power target set, snapped to the step, verified, idempotent", "[braiins]") {
    Rig rig;
    BraiinsDriver d("bos1", rig.cfg());
    REQUIRE(d.apply({.run = true, .power_w = 2345}));
    CHECK(rig.emu.power_target_w() == 2300);
    REQUIRE(d.apply({.run = true, .power_w = 99999}));
    CHECK(rig.emu.power_target_w() == 4400);
    REQUIRE(d.apply({.run = true, .power_w = 10}));
    CHECK(rig.emu.power_target_w() == 1600);
    const auto puts = rig.emu.request_count("PUT", "/api/v1/performance/power-target");
    REQUIRE(d.apply({.run = true, .power_w = 10}));
    CHECK(rig.emu.request_count("PUT", "/api/v1/performance/power-target") == puts);
    rig.clock->advance(1200ms);  // the tuner settles (0.2 s lag)
    CHECK(rig.emu.power_w() < 1700);
}

TEST_CASE("braiins driver: pause and resume", "[braiins]") {
    Rig rig;
    BraiinsDriver d("bos1", rig.cfg());
    REQUIRE(d.apply({.run = false}));
    CHECK(rig.emu.paused());
    CHECK(d.read_state()->state == MinerRunState::paused);
    REQUIRE(d.apply({.run = false}));
    CHECK(rig.emu.request_count("PUT", "/api/v1/actions/pause") == 1);
    REQUIRE(d.apply({.run = true, .level = 0}));
    CHECK_FALSE(rig.emu.paused());
    CHECK(rig.emu.power_target_w() == 1600);
}

TEST_CASE("braiins driver: expired token is renewed, a wrong password is not retryable", "[braiins]") {
    Rig rig;
    BraiinsDriver d("bos1", rig.cfg());
    REQUIRE(d.read_state());
    rig.emu.expire_tokens();
    REQUIRE(d.read_state());
    CHECK(rig.emu.logins() == 2);

    EmulatorConfig short_lived = Rig::base();
    short_lived.token_timeout_s = 1;
    Rig rig2(short_lived);
    BraiinsDriver d2("bos2", rig2.cfg());
    REQUIRE(d2.read_state());
    // Idle past the timeout on the driver's own (real) clock, while the emulator's clock stands
    // still and keeps the token valid: a second login is the driver renewing before use.
    std::this_thread::sleep_for(1100ms);
    REQUIRE(d2.read_state());
    CHECK(rig2.emu.logins() == 2);

    test::write_file(rig.dir + "/bad", "wrong\n");
    auto cfg = rig.cfg();
    cfg.password_file = rig.dir + "/bad";
    BraiinsDriver bad("bos3", cfg);
    const Status r = test::failed(bad.read_state());
    CHECK(r.code == ErrorCode::rejected);
    CHECK_FALSE(r.retryable);
    CHECK(r.message.find("wrong") == std::string::npos);   // never the secret
    cfg.password_file = rig.dir + "/missing";
    BraiinsDriver missing("bos4", cfg);
    const Status m = test::failed(missing.read_state());
    CHECK(m.code == ErrorCode::io);
}

TEST_CASE("braiins driver: ignored writes are not_applied", "[braiins]") {
    Rig rig;
    BraiinsDriver d("bos1", rig.cfg());
    REQUIRE(d.probe());
    rig.emu.set_ignore_writes(true);
    auto st = d.apply({.run = true, .power_w = 2000});
    CHECK(st.code == ErrorCode::not_applied);
    CHECK(st.message.find("expected mining, power target 2000 W") != std::string::npos);
    CHECK(st.message.find("power target 3500 W") != std::string::npos);
    CHECK(d.apply({.run = false}).code == ErrorCode::not_applied);
}

TEST_CASE("braiins driver: latency, 500, malformed, offline, reboot mid-ramp", "[braiins]") {
    EmulatorConfig slow_ramp = Rig::base();
    slow_ramp.lag_s = 5;
    Rig rig(slow_ramp);
    BraiinsDriver d("bos1", rig.cfg(300ms));
    REQUIRE(d.read_state());
    test::check_http_faults(d, rig.emu);

    REQUIRE(d.apply({.run = true, .power_w = 3000}));
    rig.emu.reboot();   // tokens gone, power at 0
    auto s = d.read_state();
    REQUIRE(s);
    CHECK(*s->power_w < 1500);
    REQUIRE(d.apply({.run = true, .power_w = 2500}));
    CHECK(rig.emu.power_target_w() == 2500);
}
