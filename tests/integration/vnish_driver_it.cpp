// The Vnish driver against its emulator over real HTTP on loopback, and the recorded bodies.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "adapters/miners/registry.hpp"
#include "adapters/miners/vnish/vnish_driver.hpp"
#include "emulators/miners/vnish/vnish_emulator.hpp"
#include "tests/support/fixtures.hpp"
#include "tests/support/http_faults.hpp"
#include "tests/support/process.hpp"
#include "tests/support/results.hpp"

using namespace hashsink;
using namespace hashsink::miners::vnish;
using namespace std::chrono_literals;

namespace {

struct Rig {
    std::string dir = test::temp_dir();
    VnishEmulator emu;
    explicit Rig(EmulatorConfig c = base()) : emu(c) {
        REQUIRE(emu.start());
        test::write_file(dir + "/pw", "hunter2\n");
        test::write_file(dir + "/key", "k-123\n");
    }
    static EmulatorConfig base() {
        EmulatorConfig c;
        c.password = "hunter2";
        c.api_key = "k-123";
        c.lag_s = 0.2;
        return c;
    }
    DriverConfig cfg(Duration timeout = 1000ms) const {
        DriverConfig c = driver_settings().from(Options{});  // the declared defaults
        c.url = emu.url();
        c.password_file = dir + "/pw";
        c.timeout = timeout;
        c.verify_timeout = 600ms;
        return c;
    }
};

nlohmann::json fixture(const std::string& name) { return test::fixture_json("vnish/" + name); }

}  // namespace

TEST_CASE("vnish fixtures: recorded bodies decode to the expected values", "[vnish]") {
    auto info = fixture("s19_vnish1.2.6_api_v1_info_doc.json");
    CHECK_FALSE(has_throttle(info["fw_version"].get<std::string>()));
    CHECK(has_throttle("1.3.4"));
    CHECK(current_preset(fixture("s19_vnish1.2.6_api_v1_perf-summary_doc.json")) == "disabled");
    CHECK(fixture("vnish1.2.6_api_v1_unlock_response_doc.json")["token"].is_string());
    // /status says failure; the same state in a summary maps to error with its description.
    nlohmann::json summary = {{"miner", {{"miner_status", fixture("s19_vnish1.2.6_api_v1_status_doc.json")}}}};
    auto s = decode_state(summary, info);
    CHECK(s.model == "Antminer S19");
    CHECK(s.firmware == "1.2.6");
    CHECK(s.state == MinerRunState::error);
    CHECK(s.detail == "failure: Failed to parse miner configuration");
    CHECK_FALSE(s.power_w.has_value());
}

TEST_CASE("vnish driver: unlock, probe tuned presets with throttle levels, read", "[vnish]") {
    REQUIRE(miners::find_driver_type("vnish") != nullptr);
    Rig rig;
    VnishDriver d("vn1", rig.cfg());
    auto caps = d.probe();
    REQUIRE(caps);
    // 50 % and 75 % of 1400 W, then the four tuned presets; the untuned 3600 is not offered.
    REQUIRE(caps->levels.size() == 6);
    CHECK(caps->levels[0].power_w == 700);
    CHECK(caps->levels[2].power_w == 1400);
    CHECK(caps->max_power_w() == 3200);
    CHECK(caps->nominal_power_w() == 3200);
    auto s = d.read_state();
    REQUIRE(s);
    CHECK(s->state == MinerRunState::mining);
    CHECK(s->model == "Antminer S19");
    CHECK(*s->hashrate_ths == Approx(95).epsilon(0.05));
    CHECK(s->detail.find("preset 3200") != std::string::npos);
}

TEST_CASE("vnish driver: presets, throttle, stop and start, verified", "[vnish]") {
    Rig rig;
    VnishDriver d("vn1", rig.cfg());
    REQUIRE(d.apply({.run = true, .power_w = 2100}));
    CHECK(rig.emu.preset() == "2000");
    CHECK(rig.emu.throttle_pct() == 100);
    REQUIRE(d.apply({.run = true, .level = 0}));
    CHECK(rig.emu.preset() == "1400");
    CHECK(rig.emu.throttle_pct() == 50);
    REQUIRE(d.apply({.run = true, .level = 3}));
    CHECK(rig.emu.throttle_pct() == 100);
    REQUIRE(d.apply({.run = false}));
    CHECK_FALSE(rig.emu.mining());
    CHECK(d.read_state()->state == MinerRunState::paused);
    REQUIRE(d.apply({.run = true}));
    CHECK(rig.emu.mining());
    CHECK(rig.emu.preset() == "3200");
}

TEST_CASE("vnish driver: 1.2.x has no throttle levels", "[vnish]") {
    EmulatorConfig c = Rig::base();
    c.version = "1.2.6";
    Rig rig(c);
    VnishDriver d("old", rig.cfg());
    auto caps = d.probe();
    REQUIRE(caps);
    CHECK(caps->levels.size() == 4);
    REQUIRE(d.apply({.run = true, .level = 0}));
    CHECK(rig.emu.preset() == "1400");
}

TEST_CASE("vnish driver: expired token is unlocked again, API key, wrong password", "[vnish]") {
    Rig rig;
    VnishDriver d("vn1", rig.cfg());
    REQUIRE(d.read_state());
    rig.emu.expire_tokens();
    auto renewed = d.apply({.run = true, .level = 1});
    INFO(renewed.message);
    REQUIRE(renewed);
    CHECK(rig.emu.unlocks() == 2);

    auto kc = rig.cfg();
    kc.password_file.clear();
    kc.api_key_file = rig.dir + "/key";
    VnishDriver keyed("vn2", kc);
    REQUIRE(keyed.apply({.run = true, .level = 2}));
    CHECK(rig.emu.unlocks() == 2);   // no unlock with a key

    test::write_file(rig.dir + "/bad", "nope\n");
    auto bc = rig.cfg();
    bc.password_file = rig.dir + "/bad";
    VnishDriver bad("vn3", bc);
    const Status r = test::failed(bad.read_state());
    CHECK(r.code == ErrorCode::rejected);
    CHECK_FALSE(r.retryable);
    CHECK(r.message.find("nope") == std::string::npos);
}

TEST_CASE("vnish driver: ignored writes and untuned presets are not_applied", "[vnish]") {
    Rig rig;
    VnishDriver d("vn1", rig.cfg());
    REQUIRE(d.probe());
    rig.emu.set_ignore_writes(true);
    auto st = d.apply({.run = true, .level = 3});
    CHECK(st.code == ErrorCode::not_applied);
    CHECK(st.message.find("expected preset 2000") != std::string::npos);
    CHECK(d.apply({.run = false}).code == ErrorCode::not_applied);
}

TEST_CASE("vnish driver: latency, 500, malformed, offline, reboot", "[vnish]") {
    Rig rig;
    VnishDriver d("vn1", rig.cfg(300ms));
    REQUIRE(d.read_state());
    test::check_http_faults(d, rig.emu);
    REQUIRE(d.apply({.run = true, .level = 0}));
    rig.emu.reboot();   // throttle lost, tokens dropped
    REQUIRE(d.apply({.run = true, .level = 0}));
    CHECK(rig.emu.throttle_pct() == 50);
}
