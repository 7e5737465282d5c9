// The stock Antminer driver against its emulator: Digest auth, work modes, slow and ignored
// writes, reboots, session expiry, faults.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "adapters/miners/antminer/antminer_driver.hpp"
#include "adapters/miners/registry.hpp"
#include "emulators/miners/antminer/antminer_emulator.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "tests/support/driver_rig.hpp"
#include "tests/support/driver_types.hpp"
#include "tests/support/process.hpp"
#include "tests/support/results.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace hashsink::miners::antminer;
using namespace std::chrono_literals;
using miners::emu::ManualEmulatorClock;

namespace {

EmulatorConfig emu_config() {
    EmulatorConfig c;
    c.ramp_s = 0.5;
    return c;
}

DriverConfig cfg(const AntminerEmulator& emu) {
    DriverConfig c = driver_settings().from(Options{});  // the declared defaults
    c.url = emu.url();
    c.timeout = 1000ms;
    c.write_timeout = 3000ms;
    c.verify_timeout = 1000ms;
    c.power_w = 3250;
    c.low_power_w = 2600;
    return c;
}

struct Rig : test::DriverRig<AntminerEmulator, AntminerDriver> {
    explicit Rig(EmulatorConfig c = emu_config(), miners::emu::SharedClock clock = {})
        : DriverRig(std::move(c), std::move(clock), "s19", cfg) {}
};

}  // namespace

TEST_CASE("antminer driver: registered with its keys", "[antminer]") {
    const auto& t = test::registered("antminer");
    CHECK(test::key_of(t, "password_file").secret);
    Options o;
    o.set("url", std::string("http://127.0.0.1:1"));
    o.set("power_w", 3250.0);
    test::check_makes(t, o);
}

TEST_CASE("antminer driver: probe and read through Digest auth", "[antminer]") {
    Rig rig;
    auto caps = rig.driver.probe();
    REQUIRE(caps);
    REQUIRE(caps->levels.size() == 2);
    CHECK(caps->levels[0].power_w == 2600);
    CHECK(caps->levels[1].power_w == 3250);
    CHECK(caps->levels[1].hashrate_ths == Approx(110));
    CHECK(caps->nominal_level == 1);
    CHECK(caps->can_pause);
    CHECK(caps->idle_power_w == 10);

    auto s = rig.driver.read_state();
    REQUIRE(s);
    CHECK(s->online);
    CHECK(s->state == MinerRunState::mining);
    CHECK(s->model == "Antminer S19 Pro");
    CHECK(s->firmware == "Antminer-S19-Pro-20221206");
    CHECK(*s->hashrate_ths == Approx(110).epsilon(0.01));
    CHECK(*s->chip_temp_c > 60);
    CHECK(*s->fan_rpm > 3000);
    CHECK(*s->frequency_mhz == 525);
    CHECK(s->detail == "work mode normal");
    CHECK(rig.emu.auth_failures() == 0);
}

TEST_CASE("antminer driver: a wrong password is rejected, not retried, and never shown",
          "[antminer]") {
    AntminerEmulator emu(emu_config());
    REQUIRE(emu.start());
    auto c = cfg(emu);
    c.password_file = test::secret_file("hunter2");
    AntminerDriver d("s19", c);
    const Status refused = test::failed(d.probe());
    CHECK(refused.code == ErrorCode::rejected);
    CHECK_FALSE(refused.retryable);
    CHECK(refused.message.find("401") != std::string::npos);
    CHECK(refused.message.find("password_file") != std::string::npos);
    CHECK(refused.message.find("hunter2") == std::string::npos);
    CHECK(d.last_state().detail.find("hunter2") == std::string::npos);
    std::filesystem::remove(c.password_file);

    c.password_file = "/nonexistent/hashsink/pw";
    AntminerDriver d2("s19", c);
    const Status unreadable = test::failed(d2.probe());
    CHECK(unreadable.code == ErrorCode::io);
    CHECK(unreadable.message.find("password_file /nonexistent/hashsink/pw") != std::string::npos);

    auto ok = cfg(emu);
    ok.password_file = test::secret_file("root");
    AntminerDriver d3("s19", ok);
    CHECK(d3.probe());
    std::filesystem::remove(ok.password_file);
}

TEST_CASE("antminer driver: sleep, low power and normal, verified, idempotent", "[antminer]") {
    auto clock = std::make_shared<ManualEmulatorClock>();
    Rig rig(emu_config(), clock);
    REQUIRE(rig.driver.probe());

    REQUIRE(rig.driver.apply({.run = false}));
    CHECK(rig.emu.mode() == WorkMode::sleep);
    CHECK(rig.driver.read_state()->state == MinerRunState::paused);
    clock->advance(700ms);  // past the 0.5 s ramp down
    CHECK(rig.emu.power_w() < 20);
    REQUIRE(rig.driver.apply({.run = false}));
    CHECK(rig.emu.request_count("POST", "/cgi-bin/set_miner_conf.cgi") == 1);

    REQUIRE(rig.driver.apply({.run = true, .power_w = 2600, .level = 0}));
    CHECK(rig.emu.mode() == WorkMode::low);
    REQUIRE(rig.driver.apply({.run = true, .level = 1}));
    CHECK(rig.emu.mode() == WorkMode::normal);
    // No level: the highest that fits the expected draw.
    REQUIRE(rig.driver.apply({.run = true, .power_w = 3000}));
    CHECK(rig.emu.mode() == WorkMode::low);
    CHECK(rig.emu.request_count("POST", "/cgi-bin/set_miner_conf.cgi") == 4);
    REQUIRE(rig.driver.apply({.run = true, .power_w = 3000}));
    CHECK(rig.emu.request_count("POST", "/cgi-bin/set_miner_conf.cgi") == 4);
}

TEST_CASE("antminer driver: firmware that honours only one key still switches", "[antminer]") {
    for (const char* honours : {"miner-mode", "bitmain-work-mode"}) {
        auto ec = emu_config();
        ec.honours = honours;
        AntminerEmulator emu(ec);
        REQUIRE(emu.start());
        AntminerDriver d("s19", cfg(emu));
        REQUIRE(d.apply({.run = false}));
        CHECK(emu.mode() == WorkMode::sleep);
    }
}

TEST_CASE("antminer driver: a write acknowledged without effect is not_applied", "[antminer]") {
    Rig rig;
    REQUIRE(rig.driver.probe());
    rig.emu.set_ignore_writes(true);
    auto t0 = std::chrono::steady_clock::now();
    auto st = rig.driver.apply({.run = false});
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK(st.code == ErrorCode::not_applied);
    CHECK(st.retryable);
    CHECK(st.message.find("expected work mode sleep, device reports normal") != std::string::npos);
    CHECK(took >= 900ms);
    CHECK(took < 3s);
    rig.emu.set_ignore_writes(false);
    CHECK(rig.driver.apply({.run = false}));
}

TEST_CASE("antminer driver: a slow CGI write within write_timeout succeeds", "[antminer]") {
    auto ec = emu_config();
    ec.write_delay_ms = 1200;
    Rig rig(ec);  // reads 1 s, writes 3 s
    REQUIRE(rig.driver.apply({.run = false}));
    CHECK(rig.emu.mode() == WorkMode::sleep);

    auto c = cfg(rig.emu);
    c.write_timeout = 400ms;
    AntminerDriver quick("s19", c);
    auto st = quick.apply({.run = true});
    CHECK(st.code == ErrorCode::timeout);
    CHECK(st.retryable);
    // The write took anyway: the retry finds it done and sends nothing.
    REQUIRE(test::eventually([&] { return rig.emu.mode() == WorkMode::normal; }));
    rig.emu.reset_request_counts();
    CHECK(quick.apply({.run = true}));
    CHECK(rig.emu.request_count("POST", "/cgi-bin/set_miner_conf.cgi") == 0);
}

TEST_CASE("antminer driver: reboot mid-ramp keeps the mode and shows offline", "[antminer]") {
    auto clock = std::make_shared<ManualEmulatorClock>();
    auto ec = emu_config();
    ec.ramp_s = 3;
    Rig rig(ec, clock);
    REQUIRE(rig.driver.apply({.run = false}));
    clock->advance(300ms);
    REQUIRE(rig.driver.apply({.run = true, .level = 1}));
    clock->advance(300ms);
    const double mid = rig.emu.hashrate_ths();
    CHECK(mid > 0);
    CHECK(mid < 100);
    rig.emu.reboot(600ms);
    const Status s = test::failed(rig.driver.read_state());
    CHECK(s.code == ErrorCode::unreachable);
    CHECK(rig.driver.last_state().state == MinerRunState::offline);
    CHECK_FALSE(rig.driver.last_state().hashrate_ths);
    // Back: still in normal mode (saved config), hashing again from zero.
    clock->advance(600ms);
    REQUIRE(test::eventually([&] { return static_cast<bool>(rig.driver.read_state()); }, 5s));
    CHECK(rig.emu.mode() == WorkMode::normal);
    CHECK(rig.driver.read_state()->state == MinerRunState::mining);
    CHECK(rig.emu.hashrate_ths() < 100);
    CHECK(rig.driver.apply({.run = true, .level = 1}));
}

TEST_CASE("antminer driver: expired Digest nonces are renewed", "[antminer]") {
    Rig rig;
    REQUIRE(rig.driver.read_state());
    rig.emu.expire_sessions();
    REQUIRE(rig.driver.read_state());
    REQUIRE(rig.driver.apply({.run = false}));
    rig.emu.expire_sessions();
    REQUIRE(rig.driver.apply({.run = true}));
    CHECK(rig.emu.auth_failures() == 0);
}

TEST_CASE("antminer driver: latency, HTTP 500 and malformed JSON", "[antminer]") {
    AntminerEmulator emu(emu_config());
    REQUIRE(emu.start());
    auto c = cfg(emu);
    c.timeout = 300ms;
    AntminerDriver d("s19", c);
    REQUIRE(d.probe());

    emu.set_latency_ms(1000);
    auto t0 = std::chrono::steady_clock::now();
    auto s = d.read_state();
    CHECK(std::chrono::steady_clock::now() - t0 < 1500ms);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::timeout);
    CHECK(s.error().message.find("antminer s19: GET /cgi-bin/") == 0);
    emu.set_latency_ms(0);

    emu.set_http_500(true);
    s = d.read_state();
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::rejected);
    CHECK(s.error().retryable);
    CHECK(d.apply({.run = false}).code == ErrorCode::rejected);
    emu.set_http_500(false);

    emu.set_malformed_json(true);
    s = d.read_state();
    REQUIRE_FALSE(s);
    CHECK(s.error().code == ErrorCode::protocol);
    CHECK(d.last_state().state == MinerRunState::offline);
    emu.set_malformed_json(false);
    CHECK(d.read_state());
}
