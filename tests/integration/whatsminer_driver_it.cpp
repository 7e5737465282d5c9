// The Whatsminer driver against its emulator over loopback: API v2 (4028, encrypted writes)
// and v3 (4433, signed writes), API choice by firmware, every write verified, each fault,
// token expiry and renewal, and a wrong password.
#include <catch2/catch.hpp>

#include <memory>
#include <thread>

#include "adapters/miners/registry.hpp"
#include "adapters/miners/whatsminer/whatsminer_driver.hpp"
#include "emulators/miners/whatsminer/whatsminer_emulator.hpp"
#include "tests/support/driver_rig.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "tests/support/results.hpp"

using namespace hashsink;
using namespace hashsink::miners::whatsminer;

namespace {

std::string password_file(const std::string& password) {
    const std::string path = test::temp_dir() + "/wm.pw";
    test::write_file(path, password + "\n");
    return path;
}

DriverConfig config_for(const WhatsminerEmulator& emu, const std::string& password) {
    DriverConfig c = driver_settings().from(Options{});  // the declared defaults
    c.host = "127.0.0.1";
    c.port = emu.port();
    c.v3_port = emu.api() == Api::v3 ? emu.v3_port() : test::free_port();
    c.password_file = password_file(password);
    c.timeout = Duration{2000};
    c.verify_timeout = Duration{3000};
    c.power_step_w = 100;
    return c;
}

// Both API generations run the same write and fault checks.
struct Mode {
    const char* name;
    EmulatorConfig config;
    std::string password;
};

// The emulator of a mode, started, and a driver "wm" of it with `password` in its file.
struct Rig : test::DriverRig<WhatsminerEmulator, WhatsminerDriver> {
    Rig(const Mode& mode, const std::string& password)
        : DriverRig(mode.config, {}, "wm",
                    [&](const WhatsminerEmulator& emu) { return config_for(emu, password); }) {}
};

std::vector<Mode> modes() { return {{"v2", EmulatorConfig{}, "admin"}, {"v3", v3_defaults(), "super"}}; }

}  // namespace

TEST_CASE("whatsminer: v2 firmware is read over 4028", "[whatsminer]") {
    WhatsminerEmulator emu;
    REQUIRE(emu.start());
    WhatsminerDriver d("wm", config_for(emu, "admin"));
    auto caps = d.probe();
    INFO((caps ? "" : caps.error().message));
    REQUIRE(caps);
    REQUIRE(d.api() == Api::v2);
    CHECK(caps->continuous_power);
    CHECK(caps->max_power_w() == Approx(3300));   // the limit the miner reports
    CHECK(caps->min_power_w() == Approx(1700));   // half, up to the 100 W step
    CHECK(caps->levels.back().hashrate_ths == Approx(126));
    auto s = d.read_state();
    REQUIRE(s);
    CHECK(s->driver == "whatsminer");
    CHECK(s->model == "Whatsminer M50S");
    CHECK(s->firmware == "20230803.11.REL (API 2.0.5)");
    CHECK(s->state == MinerRunState::mining);
    CHECK(*s->power_w == Approx(3200).margin(5));
    CHECK(*s->hashrate_ths == Approx(126 * 3201.0 / 3300).margin(1));
    CHECK(s->frequency_mhz == Approx(600));
    CHECK(s->chip_temp_c == Approx(82));
    CHECK(s->fan_rpm == Approx(5340));
    CHECK(s->detail == "power limit 3300 W");
    CHECK(emu.writes() == 0);   // reading needs no password and writes nothing
}

TEST_CASE("whatsminer: v3 firmware is picked by its version and read over 4433", "[whatsminer]") {
    WhatsminerEmulator emu(v3_defaults());
    REQUIRE(emu.start());
    SECTION("get_version on 4028 names a v3 firmware") {
        WhatsminerDriver d("wm", config_for(emu, "super"));
        auto caps = d.probe();
        INFO((caps ? "" : caps.error().message));
        REQUIRE(caps);
        CHECK(d.api() == Api::v3);
        CHECK(emu.command_count("get_version") >= 1);
        auto s = d.read_state();
        REQUIRE(s);
        CHECK(s->model == "Whatsminer M60S_VK40");
        CHECK(s->firmware == "20251209.16.Rel2 (API 3.0.2)");
        CHECK(*s->power_w == Approx(3492).margin(5));
        CHECK(*s->hashrate_ths == Approx(181 * 3492.0 / 3600).margin(1));
        CHECK(s->frequency_mhz == Approx(625));
        CHECK(caps->max_power_w() == Approx(3600));
    }
    SECTION("nothing on 4028: the v3 port answers") {
        auto c = config_for(emu, "super");
        c.port = test::free_port();
        WhatsminerDriver d("wm", c);
        REQUIRE(d.probe());
        CHECK(d.api() == Api::v3);
    }
    SECTION("api = v2 forced on v3 firmware fails clearly") {
        auto c = config_for(emu, "super");
        c.api = "v2";
        WhatsminerDriver d("wm", c);
        auto caps = d.probe();
        REQUIRE_FALSE(caps);
        CHECK(caps.error().message.find("whatsminer wm: summary") == 0);
        CHECK(d.last_state().state == MinerRunState::offline);
    }
}

TEST_CASE("whatsminer: every write is applied and verified by reading back", "[whatsminer]") {
    for (const auto& mode : modes()) {
        INFO("API " << mode.name);
        Rig rig(mode, mode.password);
        auto& [emu, d] = rig;
        auto caps = d.probe();
        REQUIRE(caps);

        auto off = d.apply({.run = false});
        INFO(off.message);
        REQUIRE(off);
        CHECK_FALSE(emu.mining());
        CHECK(d.read_state()->state == MinerRunState::paused);
        const auto writes = emu.writes();
        REQUIRE(d.apply({.run = false}));   // idempotent: nothing sent
        CHECK(emu.writes() == writes);

        auto on = d.apply({.run = true, .power_w = 2000});
        INFO(on.message);
        REQUIRE(on);
        CHECK(emu.mining());
        CHECK(emu.power_limit_w() == Approx(2000));
        CHECK(d.read_state()->state == MinerRunState::mining);

        REQUIRE(d.apply({.run = true, .power_w = 2449}));   // rounded to the 100 W step
        CHECK(emu.power_limit_w() == Approx(2400));
        REQUIRE(d.apply({.run = true, .power_w = 99999}));   // clamped to the maximum
        CHECK(emu.power_limit_w() == Approx(caps->max_power_w()));
        REQUIRE(d.apply({.run = true, .level = 0}));
        CHECK(emu.power_limit_w() == Approx(caps->min_power_w()));
        const auto before = emu.writes();
        REQUIRE(d.apply({.run = true, .level = 0}));   // already there: no write
        CHECK(emu.writes() == before);
        CHECK(d.token_renewals() == 0);
    }
}

TEST_CASE("whatsminer: faults give clear errors", "[whatsminer]") {
    for (const auto& mode : modes()) {
        INFO("API " << mode.name);
        auto clock = std::make_shared<miners::emu::ManualEmulatorClock>();
        WhatsminerEmulator emu(mode.config, clock);
        REQUIRE(emu.start());
        auto c = config_for(emu, mode.password);
        c.verify_timeout = Duration{600};
        WhatsminerDriver d("wm", c);
        REQUIRE(d.probe());

        DYNAMIC_SECTION(mode.name << ": write acknowledged but not applied") {
            emu.set_ignore_writes(true);
            auto st = d.apply({.run = false});
            CHECK(st.code == ErrorCode::not_applied);
            CHECK(st.message.find("whatsminer wm: verify: write acknowledged but not applied: "
                                  "expected powered off, miner reports mining") == 0);
            CHECK(emu.mining());
            auto lim = d.apply({.run = true, .power_w = 2000});
            CHECK(lim.code == ErrorCode::not_applied);
            CHECK(lim.message.find("expected power limit 2000 W") != std::string::npos);
        }
        DYNAMIC_SECTION(mode.name << ": latency beyond the deadline") {
            auto slow = c;
            slow.timeout = Duration{200};
            WhatsminerDriver s("wm", slow);
            emu.set_latency_ms(600);
            const Status r = test::failed(s.read_state());
            CHECK(r.code == ErrorCode::timeout);
            CHECK(r.retryable);
            emu.set_latency_ms(50);   // slow but within the deadline
            CHECK(d.read_state());
        }
        DYNAMIC_SECTION(mode.name << ": malformed replies") {
            emu.set_malformed(true);
            const Status r = test::failed(d.read_state());
            CHECK(r.message.find("whatsminer wm: ") == 0);
            CHECK(d.last_state().state == MinerRunState::offline);
            emu.set_malformed(false);
            CHECK(d.read_state());
        }
        DYNAMIC_SECTION(mode.name << ": every command refused") {
            emu.set_failing(true);
            const Status r = test::failed(d.read_state());
            CHECK(r.code == ErrorCode::rejected);
            CHECK(r.message.find("whatsminer wm: ") == 0);
            emu.set_failing(false);
            CHECK(d.read_state());
        }
        DYNAMIC_SECTION(mode.name << ": offline, then back") {
            emu.set_offline(true);
            const Status r = test::failed(d.read_state());
            CHECK(r.retryable);
            CHECK(d.last_state().state == MinerRunState::offline);
            emu.set_offline(false);
            CHECK(d.read_state());
        }
        DYNAMIC_SECTION(mode.name << ": reboot mid-ramp: writes again after renewing the token") {
            REQUIRE(d.apply({.run = true, .power_w = 2000}));
            emu.reboot(std::chrono::milliseconds(300));
            CHECK_FALSE(d.read_state());   // down while rebooting
            clock->advance(std::chrono::milliseconds(300));
            REQUIRE(test::wait_for_port(emu.port(), std::chrono::seconds(10)));
            auto s = d.read_state();
            REQUIRE(s);
            CHECK(*s->power_w < 1900);    // ramping up again from nothing (1940 W when settled)
            CHECK(s->state == MinerRunState::mining);
            auto st = d.apply({.run = true, .power_w = 2500});
            INFO(st.message);
            REQUIRE(st);
            CHECK(emu.power_limit_w() == Approx(2500));
            if (mode.config.api == Api::v2) CHECK(d.token_renewals() == 1);   // tokens dropped
        }
    }
}

TEST_CASE("whatsminer: an expired token is renewed once and the write repeated", "[whatsminer]") {
    for (const auto& mode : modes()) {
        INFO("API " << mode.name);
        Rig rig(mode, mode.password);
        auto& [emu, d] = rig;
        REQUIRE(d.apply({.run = true, .power_w = 2000}));
        CHECK(d.token_renewals() == 0);
        emu.expire_tokens();
        auto st = d.apply({.run = true, .power_w = 2500});
        INFO(st.message);
        REQUIRE(st);
        CHECK(d.token_renewals() == 1);
        CHECK(emu.power_limit_w() == Approx(2500));
        REQUIRE(d.apply({.run = false}));   // the renewed token keeps working
        CHECK(d.token_renewals() == 1);
        CHECK_FALSE(emu.mining());
    }
}

TEST_CASE("whatsminer: a wrong password gives a clear, non-retryable error", "[whatsminer]") {
    for (const auto& mode : modes()) {
        INFO("API " << mode.name);
        Rig rig(mode, "s3cret-wrong");
        auto& [emu, d] = rig;
        REQUIRE(d.read_state());   // reads need no password
        const Status st = test::failed(d.apply({.run = false}));
        CHECK(st.code == ErrorCode::rejected);
        CHECK_FALSE(st.retryable);
        CHECK(st.message.find("whatsminer wm: ") == 0);
        CHECK(st.message.find("check that password_file holds the") != std::string::npos);
        CHECK(st.message.find("s3cret-wrong") == std::string::npos);   // never echoed
        CHECK(emu.mining());
        CHECK(emu.writes() == 0);
    }
}

TEST_CASE("whatsminer: no password_file means no writes, said plainly", "[whatsminer]") {
    WhatsminerEmulator emu;
    REQUIRE(emu.start());
    auto c = config_for(emu, "admin");
    c.password_file.clear();
    WhatsminerDriver d("wm", c);
    auto st = d.apply({.run = false});
    CHECK(st.code == ErrorCode::invalid);
    CHECK(st.message == "whatsminer wm: power_off: no password_file configured");
    c.password_file = "/nonexistent/wm.pw";
    WhatsminerDriver e("wm", c);
    auto missing = e.apply({.run = false});
    CHECK(missing.message.find("whatsminer wm: power_off: read password_file /nonexistent/wm.pw") == 0);
}

TEST_CASE("whatsminer: registered, with its keys", "[whatsminer]") {
    const auto* type = miners::find_driver_type("whatsminer");
    REQUIRE(type != nullptr);
    WhatsminerEmulator emu(v3_defaults());
    REQUIRE(emu.start());
    Options o;
    o.set("host", std::string("127.0.0.1"));
    o.set("port", std::int64_t{emu.port()});
    o.set("v3_port", std::int64_t{emu.v3_port()});
    o.set("power_w", 3000.0);
    auto d = type->make("wm", with_defaults(type->keys, o));
    auto caps = d->probe();
    REQUIRE(caps);
    CHECK(caps->max_power_w() == Approx(3000));
    bool secret = false;
    for (const auto& k : type->keys) secret |= k.name == "password_file" && k.secret;
    CHECK(secret);
}

TEST_CASE("whatsminer: hashsink emulate whatsminer serves v2 and v3", "[whatsminer]") {
    for (const char* api : {"v2", "v3"}) {
        INFO(api);
        const int port = test::free_port(), v3_port = test::free_port();
        test::Child child({HASHSINK_BINARY, "emulate", "whatsminer", "--api", api, "--port",
                           std::to_string(port), "--v3-port", std::to_string(v3_port)});
        REQUIRE(test::wait_for_port(port));
        DriverConfig c = driver_settings().from(Options{});  // the declared defaults
        c.host = "127.0.0.1";
        c.port = port;
        c.v3_port = v3_port;
        if (std::string(api) == "v3") REQUIRE(test::wait_for_port(v3_port));
        WhatsminerDriver d("wm", c);
        REQUIRE(d.probe());
        CHECK(to_string(*d.api()) == std::string(api));
    }
    auto bad = test::run({HASHSINK_BINARY, "emulate", "whatsminer", "--api", "v4"});
    CHECK(bad.exit_code == 64);
    CHECK(bad.err.find("--api: expected v2 or v3") != std::string::npos);
}
