// Typed policy state: one versioned JSON form, read back exactly, and a fresh state for
// anything it cannot read.
#include <catch2/catch.hpp>
#include <string>

#include "policies/economics/economics.hpp"
#include "policies/genset_follow/genset_follow.hpp"
#include "policies/heat_demand/heat_demand.hpp"
#include "policies/layered/layered.hpp"
#include "policies/manual/manual.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"

using namespace hashsink;
using namespace hashsink::policies;
using namespace std::chrono_literals;

namespace {
const TimePoint kT0 = from_unix_ms(1'700'000'000'123);

SolarSurplusState busy_solar() {
    SolarSurplusState s;
    s.running = true;
    s.decided = true;
    s.import_since = kT0;
    s.probe_at = kT0 + 2s;
    s.probe_step_w = 75.5;
    s.probe_fails = 3;
    s.probe_open = true;
    s.probe_grow = 4;
    s.fail_hold_until = kT0 + 120s;
    s.backoff_budget_w = 412.25;
    return s;
}
}  // namespace

TEST_CASE("policy state: written once with its version, defaults left out", "[policy_state]") {
    CHECK(state_to_json(SolarSurplusState{}) == R"({"v":1})");
    CHECK(state_to_json(GensetFollowState{.stopped = true, .last_add = kT0}) ==
          R"({"v":1,"stopped":true,"last_add":1700000000123})");
    EconomicsState e;
    e.miners["a\"b"].heat_unwanted = true;
    CHECK(state_to_json(e) == R"({"v":1,"miners":{"a\"b":{"heat_unwanted":true}}})");
    CHECK(memory_of(SolarSurplusState{}).json() == R"({"v":1})");
    CHECK(PolicyMemory{}.json() == "{}");
}

TEST_CASE("policy state: every policy's state reads back as it was", "[policy_state]") {
    const SolarSurplusState solar = busy_solar();
    CHECK(state_from_json<SolarSurplusState>(state_to_json(solar)) == solar);
    HeatDemandState heat;
    heat.zones["living"] = {.heating = true,
                            .heating_since = kT0,
                            .integral = 0.125,
                            .warm_k_per_h = 1.6,
                            .rate_from_c = 19.5};
    heat.zones["attic.top"].store_full = true;
    CHECK(state_from_json<HeatDemandState>(state_to_json(heat)) == heat);
    EconomicsState econ;
    econ.miners["a"] = {.start_since = kT0, .heat_unwanted = true};
    econ.miners["b"].stop_since = kT0 - 1h;
    CHECK(state_from_json<EconomicsState>(state_to_json(econ)) == econ);
    const GensetFollowState genset{.running_since = kT0, .last_shed = kT0 + 1s};
    CHECK(state_from_json<GensetFollowState>(state_to_json(genset)) == genset);
}

TEST_CASE("policy state: unknown versions and malformed text give a fresh state",
          "[policy_state]") {
    const std::string good = state_to_json(busy_solar());
    for (const std::string& text :
         {std::string(""), std::string("{}"), std::string("[1,2]"), std::string("null"),
          std::string(R"({"v":2,"running":true})"), std::string(R"({"v":"1","running":true})"),
          std::string(R"({"v":1,"running":1})"), std::string(R"({"v":1,"probe_fails":1.5})"),
          std::string(R"({"v":1,"probe_at":"soon"})"), std::string(R"({"v":1,"probe_at":1e300})"),
          good.substr(0, good.size() - 1), good + "x", std::string(R"({"v":1,"running":tru})"),
          std::string(200, '[') + std::string(200, ']')}) {
        INFO(text);
        CHECK(state_from_json<SolarSurplusState>(text) == SolarSurplusState{});
    }
    // Unknown fields are ignored; null reads as none.
    auto s = state_from_json<SolarSurplusState>(R"({"v":1,"running":true,"later":[1,{}],)"
                                                R"("probe_at":null})");
    CHECK(s.running);
    CHECK_FALSE(s.probe_at);
}

TEST_CASE("policy state: a policy restores its journalled state, a layered one each layer's",
          "[policy_state]") {
    SolarSurplusPolicy solar(SolarSurplusSettings::from(Options{}));
    const PolicyMemory kept = memory_of(busy_solar());
    CHECK(solar.restore(kept.json()) == kept);
    CHECK(solar.restore("{\"v\":9}") == memory_of(SolarSurplusState{}));
    // Another policy's state is not this one's: a fresh start.
    CHECK(state_of<SolarSurplusState>(memory_of(GensetFollowState{.stopped = true})) ==
          SolarSurplusState{});

    std::vector<std::unique_ptr<Policy>> layers;
    layers.push_back(std::make_unique<ManualPolicy>());
    layers.push_back(std::make_unique<SolarSurplusPolicy>(SolarSurplusSettings::from(Options{})));
    LayeredPolicy layered(std::move(layers));
    const PolicyMemory both = memory_of(LayeredState{
        .layers = {{"solar_surplus", kept}, {"gone", memory_of(GensetFollowState{})}}});
    const PolicyMemory back = layered.restore(both.json());
    const auto restored = state_of<LayeredState>(back).layers;
    REQUIRE(restored.size() == 1);  // a layer no longer configured is dropped
    CHECK(state_of<SolarSurplusState>(restored.at("solar_surplus")) == busy_solar());
    CHECK(layered.restore("not json") == memory_of(LayeredState{}));
}

TEST_CASE("policy state: invalid UTF-8 in a key still writes valid JSON", "[policy_state]") {
    EconomicsState e;
    e.miners["bad\xff"].heat_unwanted = true;
    const std::string text = state_to_json(e);
    CHECK(text == R"({"v":1,"miners":{"bad\ufffd":{"heat_unwanted":true}}})");
    CHECK(state_from_json<EconomicsState>(text).miners.count("bad\xef\xbf\xbd") == 1);
}

TEST_CASE("policy state: a wall-clock step moves every timer, in maps and in layers alike",
          "[policy_state][clock]") {
    const Duration step = -1h;
    const SolarSurplusState solar = busy_solar();
    const auto moved = state_of<SolarSurplusState>(memory_of(solar).shifted(step));
    CHECK(moved.import_since == kT0 - 1h);
    CHECK(moved.probe_at == kT0 + 2s - 1h);
    CHECK(moved.fail_hold_until == kT0 + 120s - 1h);
    CHECK_FALSE(moved.enable_since.has_value());  // unset stays unset
    CHECK(moved.probe_step_w == solar.probe_step_w);
    CHECK(moved.probe_fails == solar.probe_fails);

    EconomicsState econ;
    econ.miners["a"] = {.start_since = kT0, .heat_unwanted = true};
    const auto econ_moved = state_of<EconomicsState>(memory_of(econ).shifted(1h));
    CHECK(econ_moved.miners.at("a").start_since == kT0 + 1h);
    CHECK(econ_moved.miners.at("a").heat_unwanted);

    LayeredState layered;
    layered.layers["solar"] = memory_of(solar);
    const auto layered_moved = state_of<LayeredState>(memory_of(layered).shifted(step));
    CHECK(state_of<SolarSurplusState>(layered_moved.layers.at("solar")).import_since == kT0 - 1h);

    CHECK(PolicyMemory{}.shifted(step).empty());
}
