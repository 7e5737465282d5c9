// Operators' per-miner commands in the decision (decide_tick): held or off pauses a miner the
// budget would run, min and max pin it whatever the budget, the site's limits and the safe
// state still win, a policy's hold does not keep a commanded miner; the command store journals
// what changed and expires overrides; and the energy totals count surplus and import.
#include "daemon/loop/miner_commands.hpp"

#include <catch2/catch.hpp>

#include "daemon/loop/decide.hpp"
#include "daemon/loop/energy_totals.hpp"
#include "tests/support/fleet.hpp"
#include "tests/support/recorded_events.hpp"

using namespace hashsink;
using namespace hashsink::loop;

namespace {

// A policy with a fixed answer.
class FixedPolicy final : public Policy {
public:
    explicit FixedPolicy(Decision d) : d_(std::move(d)) {}
    std::string_view name() const override { return "fixed"; }
    Precedence precedence() const override { return Precedence::standalone; }
    Decision decide(const SiteSnapshot&, const PolicyMemory&) const override { return d_; }

private:
    Decision d_;
};

Decision budget(double w) {
    Decision d;
    d.policy = "fixed";
    d.budget_w = w;
    return d;
}

SiteSnapshot site(std::vector<MinerView> miners) {
    return test::snapshot_with_grid(test::kT0, 0, std::move(miners));
}

std::vector<MinerView> two_miners() {
    auto a = test::online_miner("a", test::ladder_caps(100, 400, 4));  // 100 200 300 400
    auto b = test::online_miner("b", test::ladder_caps(100, 400, 4));
    return {a, b};
}

ManualOverride for_an_hour(ManualOverride::Mode mode) {
    return {.mode = mode, .until = test::kT0 + std::chrono::hours(1), .by = "mqtt"};
}

TickDecision decide(const Decision& d, const SiteSnapshot& snap, SiteLimits limits = {}) {
    limits.min_dwell = Duration{0};
    return decide_tick(FixedPolicy(d), snap, {}, limits, {});
}

}  // namespace

TEST_CASE("miner commands: off and disabled pause a miner the budget would run",
          "[unit][loop][miner_commands]") {
    auto snap = site(two_miners());
    CHECK(decide(budget(800), snap).governed[0].target.run);
    snap.miner_commands["a"] = {.enabled = true, .manual = for_an_hour(ManualOverride::Mode::off)};
    snap.miner_commands["b"] = {.enabled = false, .manual = std::nullopt};
    const auto out = decide(budget(800), snap);
    CHECK_FALSE(out.governed[0].target.run);
    CHECK_FALSE(out.governed[1].target.run);
    CHECK(out.decision.reason.find("a: override off") != std::string::npos);
    CHECK(out.decision.reason.find("b: disabled") != std::string::npos);
}

TEST_CASE("miner commands: min and max pin a miner whatever the budget, within max_power_w",
          "[unit][loop][miner_commands]") {
    auto miners = two_miners();
    miners[1].max_power_w = 300;
    auto snap = site(miners);
    snap.miner_commands["a"] = {.enabled = true, .manual = for_an_hour(ManualOverride::Mode::min)};
    snap.miner_commands["b"] = {.enabled = true, .manual = for_an_hour(ManualOverride::Mode::max)};
    auto out = decide(budget(0), snap);
    REQUIRE(out.governed[0].target.run);
    CHECK(out.governed[0].target.power_w == 100);
    REQUIRE(out.governed[1].target.run);
    CHECK(out.governed[1].target.power_w == 300);
    // With budget to spare, min still holds a at its lowest level.
    out = decide(budget(2000), snap);
    CHECK(out.governed[0].target.power_w == 100);
}

TEST_CASE("miner commands: the site's max_draw_w, the safe state and an emergency still win",
          "[unit][loop][miner_commands]") {
    auto snap = site(two_miners());
    snap.miner_commands["a"] = {.enabled = true, .manual = for_an_hour(ManualOverride::Mode::max)};
    auto out = decide(budget(0), snap, {.max_draw_w = 250});
    CHECK((!out.governed[0].target.run || out.governed[0].target.power_w <= 250));
    Decision safe = budget(0);
    safe.fail_safe = true;
    out = decide(safe, snap);
    CHECK_FALSE(out.governed[0].target.run);
    Decision emergency = budget(0);
    emergency.emergency = emergency.shed = true;
    out = decide(emergency, snap);
    CHECK_FALSE(out.governed[0].target.run);
}

TEST_CASE("miner commands: a policy that holds does not keep a commanded miner",
          "[unit][loop][miner_commands]") {
    auto miners = two_miners();
    for (auto& m : miners) {
        m.target.run = true;
        m.target.power_w = 200;
    }
    auto snap = site(miners);
    Decision hold = budget(400);
    hold.hold = true;
    snap.miner_commands["a"] = {.enabled = false, .manual = std::nullopt};
    snap.miner_commands["b"] = {.enabled = true, .manual = for_an_hour(ManualOverride::Mode::max)};
    const auto out = decide(hold, snap);
    CHECK_FALSE(out.governed[0].target.run);
    REQUIRE(out.governed[1].target.run);
    CHECK(out.governed[1].target.power_w == 400);
}

TEST_CASE(
    "miner commands: the store journals each change, writes a runtime max_power_w into "
    "the views, and drops an expired override",
    "[unit][loop][miner_commands]") {
    MinerCommands commands;
    test::RecordedEvents events;
    commands.set({.id = "a", .max_power_w = 150});
    commands.set(
        {.id = "b", .change_override = true, .override_ = for_an_hour(ManualOverride::Mode::max)});
    auto snap = site(two_miners());
    commands.carry_into(snap, events);
    CHECK(snap.miners[0].max_power_w == 150);
    CHECK_FALSE(snap.miner_commands.count("a"));  // a cap alone is no command
    REQUIRE(snap.miner_commands.count("b"));
    CHECK(snap.miner_commands["b"].manual->mode == ManualOverride::Mode::max);
    REQUIRE(events.messages.size() == 2);
    CHECK(events.codes[0] == "miner.command");
    CHECK(events.messages[0] == "max_power_w 150 W");
    CHECK(events.messages[1].rfind("override max until", 0) == 0);

    auto later = site(two_miners());
    later.now = test::kT0 + std::chrono::hours(2);
    commands.carry_into(later, events);
    CHECK_FALSE(later.miner_commands.count("b"));
    CHECK(events.messages.back() == "override expired");
    CHECK_FALSE(commands.current()["b"].manual);
}

TEST_CASE(
    "energy totals: surplus and import split the miners' draw by the grid meter, revenue "
    "follows the hashprice",
    "[unit][loop][energy]") {
    auto miners = two_miners();
    miners[0].state->power_w = 600;
    miners[0].state->hashrate_ths = 10;
    miners[1].state->power_w = 400;
    miners[1].state->hashrate_ths = 0;
    EnergyTotals t;
    // Exporting: all of the 1 kW is surplus.
    auto snap = test::snapshot_with_grid(test::kT0, -200, miners);
    add_tick(t, snap, std::chrono::hours(1));
    CHECK(t.since == test::kT0);
    CHECK(t.miners_kwh == Approx(1.0));
    CHECK(t.surplus_kwh == Approx(1.0));
    CHECK(t.import_kwh == Approx(0.0));
    // Importing 300 W: that much of the draw came from the grid.
    snap = test::snapshot_with_grid(test::kT0, 300, miners);
    test::put(snap, signal::kHashpricePerThDay, 0.048);
    add_tick(t, snap, std::chrono::hours(1));
    CHECK(t.surplus_kwh == Approx(1.7));
    CHECK(t.import_kwh == Approx(0.3));
    CHECK(t.revenue == Approx(10 * 0.048 / 24));
    // Without a grid reading only the draw counts.
    snap.readings.erase(std::string(signal::kGridPowerW));
    add_tick(t, snap, std::chrono::hours(1));
    CHECK(t.miners_kwh == Approx(3.0));
    CHECK(t.surplus_kwh + t.import_kwh == Approx(2.0));
}
