// solar_surplus rules that keep miners from switching: draw readings that lag, a throttle
// flag that flickers, probes taken by a continuous miner first, and min_rest.
#include <catch2/catch.hpp>

#include "policies/solar_surplus/solar_surplus.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

namespace {
const TimePoint kT0{std::chrono::seconds{1'800'000'000}};

policies::SolarSurplusSettings quick() {
    auto s = policies::SolarSurplusSettings::from(Options{});  // the declared defaults
    s.reserve_w = 20;
    return s;
}

const PolicyMemory kRunning = policies::memory_of(policies::SolarSurplusState{.running = true});

MinerView running_at(const std::string& id, double target_w, double measured_w) {
    MinerView m = test::online_miner(id, test::ladder_caps(100, 300, 3), measured_w);
    m.target.run = true;
    m.target.power_w = target_w;
    m.target_since = kT0 - 1min;
    return m;
}
}  // namespace

TEST_CASE("while exporting, a draw reading that lags does not cut the fleet's targets",
          "[solar_surplus]") {
    policies::SolarSurplusPolicy p(quick());
    // Told 300 W, last polled at 20 W (before it ramped up): the meter already shows its draw.
    auto fleet = std::vector<MinerView>{running_at("a", 300, 20)};
    auto d = p.decide(test::snapshot_with_grid(kT0, -80, fleet), kRunning);
    REQUIRE(d.budget_w == Approx(300));
    // Importing: the surplus as measured, at once.
    d = p.decide(test::snapshot_with_grid(kT0, 40, fleet), kRunning);
    REQUIRE(d.budget_w == 0);
    REQUIRE(d.shed);
    // Exporting no more than the reserve: the surplus as measured (15 W, below the miner's
    // lowest level, so it holds that level for disable_delay).
    d = p.decide(test::snapshot_with_grid(kT0, -15, fleet), kRunning);
    REQUIRE(d.budget_w == Approx(100));
}

// The inverter's state at `now`, holding the grid at grid_w.
SiteSnapshot with_inverter(TimePoint now, double grid_w, InverterState state,
                           const std::vector<MinerView>& fleet) {
    auto snap = test::snapshot_with_grid(now, grid_w, fleet);
    snap.readings[std::string(signal::kPvState)] =
        Reading{static_cast<double>(state), now, Duration{5000}, "inverter"};
    return snap;
}

TEST_CASE("a throttle flag that flickers at the limit does not cut a miner that is starting",
          "[solar_surplus]") {
    policies::SolarSurplusPolicy p(quick());
    // Told 300 W by a probe, still at idle draw: the inverter throttles, then says it does not
    // for a tick, the grid at zero all along.
    auto fleet = std::vector<MinerView>{running_at("a", 300, 20)};
    auto d = p.decide(with_inverter(kT0, 0, InverterState::throttled, fleet), kRunning);
    d = p.decide(with_inverter(kT0 + 1s, 0, InverterState::mppt, fleet), d.memory);
    REQUIRE(d.budget_w == Approx(300));
    // Importing: backed off at once.
    auto backed = p.decide(with_inverter(kT0 + 2s, 60, InverterState::mppt, fleet), d.memory);
    REQUIRE(backed.budget_w < 300);
    // Not throttled for longer than probe_interval: the surplus as measured (below the miner's
    // lowest level, so it holds that for disable_delay).
    d = p.decide(with_inverter(kT0 + 12s, 0, InverterState::mppt, fleet), d.memory);
    REQUIRE(d.budget_w == Approx(100));
}

TEST_CASE("while probing, a continuous miner with room takes the probes before another starts",
          "[solar_surplus]") {
    policies::SolarSurplusPolicy p(quick());
    MinerView cont = test::online_miner("a", test::ladder_caps(100, 300, 3), 200);
    cont.caps.continuous_power = true;
    cont.target.run = true;
    cont.target.power_w = 200;
    MinerView paused = test::online_miner("b", test::ladder_caps(100, 300, 3));
    auto d = p.decide(with_inverter(kT0, 0, InverterState::throttled, {cont, paused}), kRunning);
    REQUIRE(d.miner_ceiling_w.at("b") == 0);
    REQUIRE(d.miner_ceiling_w.count("a") == 0);
    // At its top, the next probe may start another.
    cont.target.power_w = 300;
    d = p.decide(with_inverter(kT0, 0, InverterState::throttled, {cont, paused}), kRunning);
    REQUIRE(d.miner_ceiling_w.count("b") == 0);
    // Exporting freely: no probe, every miner may start.
    cont.target.power_w = 200;
    d = p.decide(test::snapshot_with_grid(kT0, -500, {cont, paused}), kRunning);
    REQUIRE(d.miner_ceiling_w.empty());
}

TEST_CASE("a miner paused less than min_rest ago stays paused", "[solar_surplus]") {
    auto s = quick();
    s.min_rest = 5min;
    policies::SolarSurplusPolicy p(s);
    MinerView resting = test::online_miner("b", test::ladder_caps(10, 30, 3));
    resting.target_since = kT0 - 4min;  // paused 4 minutes ago
    MinerView fresh = test::online_miner("c", test::ladder_caps(10, 30, 3));  // never told
    auto fleet = std::vector<MinerView>{running_at("a", 300, 300), resting, fresh};
    auto d = p.decide(test::snapshot_with_grid(kT0, -500, fleet), kRunning);
    REQUIRE(d.miner_ceiling_w.at("b") == 0);
    REQUIRE(d.miner_ceiling_w.count("a") == 0);
    REQUIRE(d.miner_ceiling_w.count("c") == 0);
    // Rested long enough: free to start.
    d = p.decide(test::snapshot_with_grid(kT0 + 1min, -500, fleet), kRunning);
    REQUIRE(d.miner_ceiling_w.count("b") == 0);
    // Off by default.
    policies::SolarSurplusPolicy off(quick());
    REQUIRE(
        off.decide(test::snapshot_with_grid(kT0, -500, fleet), kRunning).miner_ceiling_w.empty());
}
