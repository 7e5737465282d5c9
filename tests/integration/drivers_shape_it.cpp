// One test over every driver: the normalised state has the same shape whatever the firmware.
// To add a driver, add a row to kRows: its name and a factory that starts its emulator and
// returns the driver options pointing at it.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>

#include <nlohmann/json.hpp>

#include "adapters/miners/axeos/axeos_emulator.hpp"
#include "adapters/miners/braiins/braiins_emulator.hpp"
#include "adapters/miners/luxos/luxos_emulator.hpp"
#include "adapters/miners/miner_json.hpp"
#include "adapters/miners/registry.hpp"
#include "adapters/miners/vnish/vnish_emulator.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;

namespace {

// A running emulator (kept alive by `keep`) and the options that reach it.
struct Rig {
    std::shared_ptr<void> keep;
    Options options;
};

struct Row {
    const char* driver;
    std::function<Rig()> start;
};

template <class E, class C>
std::shared_ptr<E> started(C config) {
    auto e = std::make_shared<E>(config);
    REQUIRE(e->start());
    return e;
}

const std::vector<Row>& rows() {
    static const std::vector<Row> all = {
        {"axeos", [] {
             auto e = started<miners::axeos::AxeosEmulator>(miners::axeos::EmulatorConfig{});
             Options o;
             o.set("url", e->url());
             return Rig{e, o};
         }},
        {"braiins", [] {
             miners::braiins::EmulatorConfig c;
             c.password = "pw";
             auto e = started<miners::braiins::BraiinsEmulator>(c);
             const std::string dir = test::temp_dir();
             test::write_file(dir + "/pw", "pw\n");
             Options o;
             o.set("url", e->url());
             o.set("password_file", dir + "/pw");
             return Rig{e, o};
         }},
        {"luxos", [] {
             auto e = started<miners::luxos::LuxosEmulator>(miners::luxos::EmulatorConfig{});
             Options o;
             o.set("host", std::string("127.0.0.1"));
             o.set("port", std::int64_t{e->port()});
             return Rig{e, o};
         }},
        {"vnish", [] {
             miners::vnish::EmulatorConfig c;
             c.password = "pw";
             auto e = started<miners::vnish::VnishEmulator>(c);
             const std::string dir = test::temp_dir();
             test::write_file(dir + "/pw", "pw\n");
             Options o;
             o.set("url", e->url());
             o.set("password_file", dir + "/pw");
             return Rig{e, o};
         }},
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
        REQUIRE(s->hashrate_ths.has_value());
        CHECK(*s->hashrate_ths > 0);
        REQUIRE(s->power_w.has_value());
        CHECK(*s->power_w > 0);
        CHECK(s->chip_temp_c.has_value());
        CHECK(s->fan_rpm.has_value());
        CHECK(s->caps == *caps);

        // Caps are usable by the allocator: ascending levels, a nominal inside, pause or not.
        REQUIRE_FALSE(caps->levels.empty());
        CHECK(caps->nominal_level < caps->levels.size());
        for (std::size_t i = 1; i < caps->levels.size(); ++i)
            CHECK(caps->levels[i].power_w >= caps->levels[i - 1].power_w);
        CHECK(caps->min_power_w() > 0);
        CHECK(caps->idle_power_w < caps->min_power_w());
        if (caps->continuous_power) CHECK(caps->power_step_w > 0);

        // Every driver takes a pause and a run at its lowest level, verified.
        REQUIRE(driver->apply({.run = false}));
        auto paused = driver->read_state();
        REQUIRE(paused);
        CHECK(paused->state == MinerRunState::paused);
        auto run = driver->apply({.run = true, .power_w = caps->min_power_w(), .level = 0});
        INFO(run.message);
        CHECK(run);
        CHECK(driver->read_state()->state == MinerRunState::mining);
    }
}
