// The smart-plug drivers (Shelly Gen2, Tasmota) against their emulators: on/off verified by
// reading back, measured power, faults, credentials never shown.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "adapters/miners/registry.hpp"
#include "adapters/miners/shelly/shelly_driver.hpp"
#include "adapters/miners/tasmota/tasmota_driver.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "emulators/miners/shelly/shelly_emulator.hpp"
#include "emulators/miners/tasmota/tasmota_emulator.hpp"
#include "tests/support/driver_types.hpp"
#include "tests/support/process.hpp"
#include "tests/support/results.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace hashsink::miners;
using namespace std::chrono_literals;

namespace {

// A family's config from its declared defaults (switch 0, relay 1, user admin), at `url`.
template <class Config>
Config plug_cfg(const Settings<Config>& settings, const std::string& url) {
    Config c = settings.from(Options{});
    c.url = url;
    c.timeout = 500ms;
    c.verify_timeout = 600ms;
    c.power_w = 300;
    c.hashrate_ths = 13.5;
    return c;
}

// One plug of each family, started, each with its driver.
struct BothPlugs {
    shelly::ShellyEmulator se;
    tasmota::TasmotaEmulator te;
    bool started = se.start().ok() && te.start().ok();
    shelly::ShellyDriver sd{"s", plug_cfg(shelly::driver_settings(), se.url())};
    tasmota::TasmotaDriver td{"t", plug_cfg(tasmota::driver_settings(), te.url())};
};

// Both families go through the same checks.
template <class Emu, class Driver, class... Extra>
void common_checks(Emu& emu, Driver& d) {
    auto caps = d.probe();
    REQUIRE(caps);
    REQUIRE(caps->levels.size() == 1);
    CHECK(caps->levels[0].power_w == 300);
    CHECK(caps->levels[0].hashrate_ths == 13.5);
    CHECK(caps->can_pause);
    CHECK(caps->idle_power_w == 0);

    auto s = d.read_state();
    REQUIRE(s);
    CHECK(s->online);
    CHECK(s->state == MinerRunState::mining);
    CHECK(*s->power_w == Approx(300).margin(2));
    CHECK(*s->hashrate_ths == 13.5);

    REQUIRE(d.apply({.run = false}));
    CHECK_FALSE(emu.on());
    s = d.read_state();
    REQUIRE(s);
    CHECK(s->state == MinerRunState::paused);
    CHECK(*s->power_w == 0);
    CHECK(*s->hashrate_ths == 0);

    REQUIRE(d.apply({.run = true, .power_w = 300, .level = 0}));
    CHECK(emu.on());
    CHECK(emu.power_w() < 100);   // the miner is booting
}

}  // namespace

TEST_CASE("plug drivers: registered, password_file secret", "[plug]") {
    for (const char* name : {"shelly", "tasmota"}) {
        const auto& t = test::registered(name);
        CHECK(test::key_of(t, "password_file").secret);
        CHECK(test::key_of(t, "power_w").required);
        Options o;
        o.set("url", std::string("http://127.0.0.1:1"));
        o.set("power_w", 300.0);
        test::check_makes(t, o);
    }
}

TEST_CASE("shelly driver: read, switch, verify, idempotent", "[plug][shelly]") {
    shelly::ShellyEmulator emu({.boot_s = 5});
    REQUIRE(emu.start());
    shelly::ShellyDriver d("plug1", plug_cfg(shelly::driver_settings(), emu.url()));
    common_checks(emu, d);
    auto s = d.read_state();
    CHECK(s->model == "PlusPlugS SNPL-00112EU");
    CHECK(s->firmware == "1.0.8");
    emu.reset_request_counts();
    REQUIRE(d.apply({.run = true}));
    CHECK(emu.request_count("GET", "/rpc/Switch.Set") == 0);
}

TEST_CASE("tasmota driver: read, switch, verify, idempotent", "[plug][tasmota]") {
    tasmota::TasmotaEmulator emu({.boot_s = 5});
    REQUIRE(emu.start());
    tasmota::TasmotaDriver d("plug2", plug_cfg(tasmota::driver_settings(), emu.url()));
    common_checks(emu, d);
    auto s = d.read_state();
    CHECK(s->model == "Tasmota Miner plug (ESP8266EX)");
    CHECK(s->firmware == "13.2.0(tasmota)");
}

TEST_CASE("plug drivers: a switch acknowledged without effect is not_applied", "[plug]") {
    BothPlugs p;
    REQUIRE(p.started);
    p.se.set_ignore_writes(true);
    p.te.set_ignore_writes(true);
    for (MinerDriver* d : {static_cast<MinerDriver*>(&p.sd), static_cast<MinerDriver*>(&p.td)}) {
        auto t0 = std::chrono::steady_clock::now();
        auto st = d->apply({.run = false});
        CHECK(st.code == ErrorCode::not_applied);
        CHECK(st.retryable);
        CHECK(st.message.find("expected off, plug reports on") != std::string::npos);
        CHECK(std::chrono::steady_clock::now() - t0 < 2s);
    }
    p.se.set_ignore_writes(false);
    p.te.set_ignore_writes(false);
    CHECK(p.sd.apply({.run = false}));
    CHECK(p.td.apply({.run = false}));
}

TEST_CASE("plug drivers: latency, HTTP 500, malformed JSON, offline", "[plug]") {
    BothPlugs p;
    REQUIRE(p.started);
    REQUIRE(p.sd.read_state());
    REQUIRE(p.td.read_state());

    p.se.set_latency_ms(1000);
    p.te.set_latency_ms(1000);
    // A timeout code, not a late success: the driver gave up before the 1 s answer came.
    CHECK(p.sd.read_state().error().code == ErrorCode::timeout);
    CHECK(p.td.read_state().error().code == ErrorCode::timeout);
    p.se.set_latency_ms(0);
    p.te.set_latency_ms(0);

    p.se.set_http_500(true);
    p.te.set_http_500(true);
    CHECK(p.sd.read_state().error().code == ErrorCode::rejected);
    CHECK(p.td.apply({.run = false}).code == ErrorCode::rejected);
    p.se.set_http_500(false);
    p.te.set_http_500(false);

    p.se.set_malformed_json(true);
    p.te.set_malformed_json(true);
    CHECK(p.sd.read_state().error().code == ErrorCode::protocol);
    CHECK(p.td.read_state().error().code == ErrorCode::protocol);
    CHECK(p.sd.last_state().state == MinerRunState::offline);
    CHECK_FALSE(p.sd.last_state().power_w);
    p.se.set_malformed_json(false);
    p.te.set_malformed_json(false);

    p.se.set_offline(true);
    CHECK(p.sd.read_state().error().code == ErrorCode::unreachable);
    p.se.set_offline(false);
    CHECK(p.sd.read_state());
    CHECK(p.td.read_state());
}

TEST_CASE("plug drivers: reboot restores the relay and the miner boots again", "[plug]") {
    auto clock = std::make_shared<miners::emu::ManualEmulatorClock>();
    tasmota::TasmotaEmulator te({.boot_s = 2}, clock);
    REQUIRE(te.start());
    tasmota::TasmotaDriver td("t", plug_cfg(tasmota::driver_settings(), te.url()));
    REQUIRE(td.read_state());
    te.reboot(300ms);
    CHECK_FALSE(td.read_state());
    CHECK(td.last_state().state == MinerRunState::offline);
    clock->advance(300ms);
    REQUIRE(test::eventually([&] { return static_cast<bool>(td.read_state()); }, 5s));
    CHECK(te.on());
    CHECK(te.power_w() < 200);   // ramping again after the power cut
}

TEST_CASE("tasmota driver: password from a file, never in a message", "[plug][tasmota]") {
    tasmota::TasmotaEmulator te({.password = "s3cret"});
    REQUIRE(te.start());
    auto c = plug_cfg(tasmota::driver_settings(), te.url());
    tasmota::TasmotaDriver none("t", c);
    const Status r = test::failed(none.read_state());
    CHECK(r.code == ErrorCode::rejected);
    CHECK(r.message.find("password_file") != std::string::npos);

    c.password_file = test::secret_file("s3cret");
    tasmota::TasmotaDriver good("t", c);
    REQUIRE(good.read_state());
    REQUIRE(good.apply({.run = false}));
    CHECK_FALSE(te.on());
    te.set_latency_ms(1000);
    const Status slow = test::failed(good.read_state());
    CHECK(slow.message.find("s3cret") == std::string::npos);
    CHECK(slow.message.find("/cm?cmnd=Power1") != std::string::npos);
    CHECK(good.last_state().detail.find("s3cret") == std::string::npos);
    std::filesystem::remove(c.password_file);
}
