// One test over every driver: the normalised state has the same shape whatever the firmware.
// To add a driver, add a row to rows(): its name, a factory that starts its emulator and
// returns the driver options pointing at it, and what it is expected to report (Expect).
#include <catch2/catch.hpp>

#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "emulators/miners/antminer/antminer_emulator.hpp"
#include "emulators/miners/avalon/avalon_emulator.hpp"
#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/miners/braiins/braiins_emulator.hpp"
#include "emulators/miners/cgminer/cgminer_emulator.hpp"
#include "emulators/miners/luxos/luxos_emulator.hpp"
#include "web/api/miner_json.hpp"
#include "adapters/miners/registry.hpp"
#include "emulators/miners/shelly/shelly_emulator.hpp"
#include "emulators/miners/tasmota/tasmota_emulator.hpp"
#include "emulators/miners/vnish/vnish_emulator.hpp"
#include "emulators/miners/whatsminer/whatsminer_emulator.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;

namespace {

// A running emulator (kept alive by `keep`) and the options that reach it.
struct Rig {
    std::shared_ptr<void> keep;
    Options options;
};

// What a driver reports for a healthy, mining device. Full miners report everything; the
// relaxations are data so the test body stays one path for every row.
struct Expect {
    bool hashrate = true;   // a hashrate (plugs know only the draw)
    bool power = true;      // a power draw
    bool sensors = true;    // chip temperature and fan speed
    bool writes = true;     // pause and run (read-only drivers refuse a pause as unsupported)
};

struct Row {
    const char* driver;
    std::function<Rig()> start;
    Expect expect;
};

template <class E, class C>
std::shared_ptr<E> started(C config) {
    auto e = std::make_shared<E>(config);
    REQUIRE(e->start());
    return e;
}

std::string password_file(const std::string& password) {
    const std::string dir = test::temp_dir();
    test::write_file(dir + "/pw", password + "\n");
    return dir + "/pw";
}

Options url_options(const std::string& url, const std::string& password = {}) {
    Options o;
    o.set("url", url);
    if (!password.empty()) o.set("password_file", password_file(password));
    return o;
}

Options host_options(int port) {
    Options o;
    o.set("host", std::string("127.0.0.1"));
    o.set("port", std::int64_t{port});
    return o;
}

// A miner whose web login takes the password "pw".
template <class Emulator, class Config>
Rig login() {
    Config c;
    c.password = "pw";
    auto e = started<Emulator>(c);
    return Rig{e, url_options(e->url(), "pw")};
}

// A 300 W miner behind a smart plug, at full power 0.2 s after the relay closes.
template <class Emulator, class Config>
Rig plug() {
    Config c;
    c.boot_s = 0.2;
    auto e = started<Emulator>(c);
    Options o = url_options(e->url());
    o.set("power_w", 300.0);
    return Rig{e, o};
}

constexpr Expect kFull{};
// Stock Antminer reports its draw only on models that have a `watt` field (S23 Hyd.).
constexpr Expect kNoPowerReading{.power = false};
constexpr Expect kPlug{.hashrate = false, .sensors = false};
// Generic cgminer: monitoring only, and bmminer stats carry no power.
constexpr Expect kReadOnly{.power = false, .writes = false};

const std::vector<Row>& rows() {
    static const std::vector<Row> all = {
        {"axeos",
         [] {
             auto e = started<miners::axeos::AxeosEmulator>(miners::axeos::EmulatorConfig{});
             return Rig{e, url_options(e->url())};
         },
         kFull},
        {"braiins", login<miners::braiins::BraiinsEmulator, miners::braiins::EmulatorConfig>,
         kFull},
        {"luxos",
         [] {
             auto e = started<miners::luxos::LuxosEmulator>(miners::luxos::EmulatorConfig{});
             return Rig{e, host_options(e->port())};
         },
         kFull},
        {"vnish", login<miners::vnish::VnishEmulator, miners::vnish::EmulatorConfig>, kFull},
        {"antminer",
         [] {
             miners::antminer::EmulatorConfig c;
             c.ramp_s = 0.2;
             auto e = started<miners::antminer::AntminerEmulator>(c);
             Options o = url_options(e->url(), "root");
             o.set("power_w", 3250.0);
             o.set("low_power_w", 2600.0);
             return Rig{e, o};
         },
         kNoPowerReading},
        {"avalon",
         [] {
             miners::avalon::EmulatorConfig c;
             c.switch_delay_ms = 100;
             c.ramp_s = 0.2;
             auto e = started<miners::avalon::AvalonEmulator>(c);
             Options o = host_options(e->port());
             o.set("power_w", 1300.0);
             o.set("eco_power_w", 800.0);
             o.set("verify_timeout", Duration{5000});
             return Rig{e, o};
         },
         kFull},
        {"cgminer",
         [] {
             auto e = started<miners::cgminer::CgminerEmulator>(miners::cgminer::EmulatorConfig{});
             Options o = host_options(e->port());
             o.set("power_w", 1350.0);
             o.set("hashrate_ths", 13.5);   // else the level learns it from the first reading
             return Rig{e, o};
         },
         kReadOnly},
        {"shelly", plug<miners::shelly::ShellyEmulator, miners::shelly::EmulatorConfig>, kPlug},
        {"tasmota", plug<miners::tasmota::TasmotaEmulator, miners::tasmota::EmulatorConfig>, kPlug},
        {"whatsminer",
         [] {
             auto e = started<miners::whatsminer::WhatsminerEmulator>(
                 miners::whatsminer::EmulatorConfig{});
             Options o = host_options(e->port());
             o.set("password_file", password_file("admin"));
             return Rig{e, o};
         },
         kFull},
    };
    return all;
}

std::vector<std::string> keys_of(const nlohmann::json& j) {
    std::vector<std::string> out;
    for (auto it = j.begin(); it != j.end(); ++it) out.push_back(it.key());
    return out;
}

}  // namespace

TEST_CASE("drivers shape: every driver reports the same normalised state", "[drivers]") {
    std::optional<std::vector<std::string>> state_keys, caps_keys;
    for (const auto& row : rows()) {
        INFO("driver " << row.driver);
        const Expect& want = row.expect;
        const auto* type = miners::find_driver_type(row.driver);
        REQUIRE(type != nullptr);
        Rig rig = row.start();
        auto driver = type->make("shape", with_defaults(type->keys, rig.options));
        REQUIRE(driver);
        CHECK(driver->driver_name() == row.driver);
        auto caps = driver->probe();
        INFO((caps ? std::string() : caps.error().message));
        REQUIRE(caps);
        auto s = driver->read_state();
        INFO((s ? std::string() : s.error().message));
        REQUIRE(s);

        // Same keys in the same JSON shape for everyone.
        nlohmann::json j = *s;
        if (!state_keys) state_keys = keys_of(j);
        CHECK(keys_of(j) == *state_keys);
        if (!caps_keys) caps_keys = keys_of(j["caps"]);
        CHECK(keys_of(j["caps"]) == *caps_keys);

        // Values every driver must fill in for a healthy, mining device.
        CHECK(s->driver == row.driver);
        CHECK(s->online);
        CHECK(s->state == MinerRunState::mining);
        CHECK_FALSE(s->model.empty());
        CHECK_FALSE(s->firmware.empty());
        CHECK(s->hashrate_ths.has_value() == want.hashrate);
        if (want.hashrate) CHECK(s->hashrate_ths.value_or(0) > 0);
        CHECK(s->power_w.has_value() == want.power);
        if (want.power) CHECK(s->power_w.value_or(0) > 0);
        CHECK(s->chip_temp_c.has_value() == want.sensors);
        CHECK(s->fan_rpm.has_value() == want.sensors);
        CHECK(s->caps == *caps);

        // Caps are usable by the allocator: ascending levels, a nominal inside, pause or not.
        REQUIRE_FALSE(caps->levels.empty());
        CHECK(caps->nominal_level < caps->levels.size());
        for (std::size_t i = 1; i < caps->levels.size(); ++i)
            CHECK(caps->levels[i].power_w >= caps->levels[i - 1].power_w);
        CHECK(caps->min_power_w() > 0);
        CHECK(caps->idle_power_w < caps->min_power_w());
        if (caps->continuous_power) CHECK(caps->power_step_w > 0);
        CHECK(caps->can_pause == want.writes);

        // Every driver that writes takes a pause and a run at its lowest level, verified; a
        // read-only one refuses the pause plainly and accepts "keep running".
        auto pause = driver->apply({.run = false});
        INFO(pause.message);
        if (!want.writes) {
            CHECK(pause.code == ErrorCode::unsupported);
            CHECK(driver->apply({.run = true, .power_w = caps->min_power_w(), .level = 0}));
            continue;
        }
        REQUIRE(pause);
        auto paused = driver->read_state();
        REQUIRE(paused);
        CHECK(paused->state == MinerRunState::paused);
        auto run = driver->apply({.run = true, .power_w = caps->min_power_w(), .level = 0});
        INFO(run.message);
        CHECK(run);
        CHECK(driver->read_state()->state == MinerRunState::mining);
    }
}
