#include <catch2/catch.hpp>

#include <random>

#include "daemon/loop/allocator.hpp"
#include "daemon/loop/governor.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"
#include "tests/support/fleet.hpp"
#include "tests/support/solar_settings.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using test::kT0;

namespace {
policies::SolarSurplusSettings quick() {
    auto s = test::quick_solar();
    s.shed_after = 10s;
    return s;
}
}  // namespace

TEST_CASE("no grid reading or a stale one means fail-safe", "[solar_surplus]") {
    policies::SolarSurplusPolicy p(quick());
    auto snap = test::snapshot_with_grid(kT0, -500, {test::online_miner("a", test::ladder_caps(10, 30, 3))});
    snap.now = kT0 + 6s;   // the reading's max_age is 5 s
    auto d = p.decide(snap, {});
    REQUIRE(d.fail_safe);
    REQUIRE(d.reason == "grid power is stale");
    snap.readings.clear();
    REQUIRE(p.decide(snap, {}).fail_safe);
}

TEST_CASE("starts only after the surplus held for enable_delay", "[solar_surplus]") {
    policies::SolarSurplusPolicy p(quick());
    auto fleet = std::vector<MinerView>{test::online_miner("a", test::ladder_caps(10, 30, 3))};
    PolicyMemory mem;
    for (int s = 0; s < 10; ++s) {
        auto d = p.decide(test::snapshot_with_grid(kT0 + std::chrono::seconds(s), -200, fleet), mem);
        REQUIRE(d.budget_w == 0);
        mem = d.memory;
    }
    auto d = p.decide(test::snapshot_with_grid(kT0 + 10s, -200, fleet), mem);
    REQUIRE(d.budget_w == Approx(180));
    REQUIRE_FALSE(d.fail_safe);
}

TEST_CASE("budget is export plus own draw minus reserve", "[solar_surplus]") {
    policies::SolarSurplusPolicy p(quick());
    const PolicyMemory running = policies::memory_of(policies::SolarSurplusState{.running = true});
    auto fleet = std::vector<MinerView>{test::online_miner("a", test::ladder_caps(10, 30, 3), 25)};
    auto d = p.decide(test::snapshot_with_grid(kT0, -100, fleet), running);
    REQUIRE(d.budget_w == Approx(100 + 25 - 20));
    REQUIRE_FALSE(d.hold);
    // Export right at the reserve: inside the dead band, hold.
    REQUIRE(p.decide(test::snapshot_with_grid(kT0, -30, fleet), running).hold);
}

TEST_CASE("import is shed at once and the fleet stops after shed_after", "[solar_surplus]") {
    policies::SolarSurplusPolicy p(quick());
    PolicyMemory mem = policies::memory_of(policies::SolarSurplusState{.running = true});
    auto fleet = std::vector<MinerView>{test::online_miner("a", test::ladder_caps(10, 30, 3), 15)};
    // Importing 100 W while drawing 15 W: the budget goes to zero at once.
    auto d = p.decide(test::snapshot_with_grid(kT0, 100, fleet), mem);
    REQUIRE(d.budget_w == 0);
    mem = d.memory;
    for (int s = 1; s <= 10; ++s) {
        d = p.decide(test::snapshot_with_grid(kT0 + std::chrono::seconds(s), 100, fleet), mem);
        mem = d.memory;
    }
    REQUIRE_FALSE(policies::state_of<policies::SolarSurplusState>(mem).running);
}

TEST_CASE("a short dip holds the minimum while exporting", "[solar_surplus]") {
    policies::SolarSurplusPolicy p(quick());
    PolicyMemory mem = policies::memory_of(policies::SolarSurplusState{.running = true});
    auto fleet = std::vector<MinerView>{test::online_miner("a", test::ladder_caps(10, 30, 3), 10)};
    // Exporting 15 W while drawing 10: surplus 5 < 10 W minimum, but no import.
    auto d = p.decide(test::snapshot_with_grid(kT0, -15, fleet), mem);
    REQUIRE(d.budget_w == Approx(10));
    mem = d.memory;
    d = p.decide(test::snapshot_with_grid(kT0 + 31s, -15, fleet), mem);
    REQUIRE(d.budget_w == 0);
}

// Closed loop over generated sunshine with noise: a simple site model (grid = house + miners -
// pv), the real policy, allocator and governor. Import caused by the fleet must never last.
namespace {
struct ClosedLoopResult {
    int longest_import_run_s = 0;
    double switches_per_miner_hour = 0;
};

ClosedLoopResult run_closed_loop(double noise_w) {
    std::mt19937 rng(2024);
    std::normal_distribution<double> noise(0, noise_w);
    policies::SolarSurplusPolicy p(quick());
    std::vector<MinerView> fleet = test::small_ladder_fleet(6);
    loop::SiteLimits limits;
    limits.min_dwell = 10s;
    PolicyMemory mem;
    int import_run = 0, switches = 0;
    ClosedLoopResult r;
    TimePoint now = kT0;
    const int hours = 4;
    for (int s = 0; s < hours * 3600; ++s) {
        now += 1s;
        double pv = 200 + 150 * std::sin(s / 900.0) + noise(rng);  // slow swings around 200 W
        double house = 60;
        double miners_w = 0;
        for (auto& m : fleet) {
            double w = m.target.run ? m.target.power_w : 0;
            m.state->power_w = w;
            miners_w += w;
        }
        double grid = house + miners_w - pv;
        bool fleet_imports = grid > 25 && miners_w > 0;
        import_run = fleet_imports ? import_run + 1 : 0;
        r.longest_import_run_s = std::max(r.longest_import_run_s, import_run);
        auto snap = test::snapshot_with_grid(now, grid, fleet);
        auto d = p.decide(snap, mem);
        mem = d.memory;
        auto proposal = d.hold ? loop::current_targets(snap)
                               : loop::allocate(d.budget_w, fleet, {.start_margin_w = 30}).targets;
        auto g = loop::govern(proposal, snap, limits, {.fail_safe = d.fail_safe, .shed = d.shed}).targets;
        for (std::size_t i = 0; i < fleet.size(); ++i) {
            if (!g[i].changed) continue;
            if (g[i].target.run != fleet[i].target.run) ++switches;
            fleet[i].target = g[i].target;
            fleet[i].target_since = now;
        }
    }
    r.switches_per_miner_hour = switches / 6.0 / hours;
    return r;
}
}  // namespace

TEST_CASE("never sustains grid import and does not flap under noise", "[solar_surplus]") {
    // 5 W of noise a second on 10-30 W miners: the PV swings force about 1.3 on/off switches
    // per miner and hour; hysteresis keeps it near that.
    auto calm = run_closed_loop(5);
    REQUIRE(calm.longest_import_run_s <= 2);
    REQUIRE(calm.switches_per_miner_hour < 3);
    // 15 W of white noise a second is larger than the smallest miner: switching rises, but the
    // fleet still never holds an import for more than a couple of ticks.
    auto harsh = run_closed_loop(15);
    REQUIRE(harsh.longest_import_run_s <= 2);
    REQUIRE(harsh.switches_per_miner_hour < 10);
}

// Rules that keep miners from switching: draw readings that lag, a throttle flag that
// flickers, probes taken by a continuous miner first, and min_rest.
namespace {
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

TEST_CASE("a throttle flag that flickers at the limit does not cut a miner that is starting",
          "[solar_surplus]") {
    policies::SolarSurplusPolicy p(quick());
    // Told 300 W by a probe, still at idle draw: the inverter throttles, then says it does not
    // for a tick, the grid at zero all along.
    auto fleet = std::vector<MinerView>{running_at("a", 300, 20)};
    auto d =
        p.decide(test::snapshot_with_inverter(kT0, 0, InverterState::throttled, fleet), kRunning);
    d = p.decide(test::snapshot_with_inverter(kT0 + 1s, 0, InverterState::mppt, fleet), d.memory);
    REQUIRE(d.budget_w == Approx(300));
    // Importing: backed off at once.
    auto backed =
        p.decide(test::snapshot_with_inverter(kT0 + 2s, 60, InverterState::mppt, fleet), d.memory);
    REQUIRE(backed.budget_w < 300);
    // Not throttled for longer than probe_interval: the surplus as measured (below the miner's
    // lowest level, so it holds that for disable_delay).
    d = p.decide(test::snapshot_with_inverter(kT0 + 12s, 0, InverterState::mppt, fleet), d.memory);
    REQUIRE(d.budget_w == Approx(100));
}

TEST_CASE("while probing, a continuous miner with room takes the probes before another starts",
          "[solar_surplus]") {
    policies::SolarSurplusPolicy p(quick());
    MinerView cont = running_at("a", 200, 200);
    cont.caps.continuous_power = true;
    MinerView paused = test::online_miner("b", test::ladder_caps(100, 300, 3));
    auto d = p.decide(
        test::snapshot_with_inverter(kT0, 0, InverterState::throttled, {cont, paused}), kRunning);
    REQUIRE(d.miner_ceiling_w.at("b") == 0);
    REQUIRE(d.miner_ceiling_w.count("a") == 0);
    // At its top, the next probe may start another.
    cont.target.power_w = 300;
    d = p.decide(test::snapshot_with_inverter(kT0, 0, InverterState::throttled, {cont, paused}),
                 kRunning);
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

TEST_CASE("a surplus that covers a big miner's minimum for bare_start_after starts it",
          "[solar_surplus]") {
    auto s = quick();
    s.bare_start_after = 3min;
    policies::SolarSurplusPolicy p(s);
    MinerView big = test::online_miner("big", test::ladder_caps(1000, 2000, 5));
    auto fleet = std::vector<MinerView>{running_at("a", 300, 300), big};
    // Exporting 1100 W: 1380 W of surplus, 1280 W beyond the small miner's lowest level, enough
    // for the big miner's 1000 W but not for a start margin of a quarter more.
    auto floor_at = [&](TimePoint now, double grid_w, PolicyMemory& mem) {
        auto d = p.decide(test::snapshot_with_grid(now, grid_w, fleet), mem);
        mem = d.memory;
        return d.miner_floor_w.count("big") ? d.miner_floor_w.at("big") : 0.0;
    };
    PolicyMemory mem = kRunning;
    CHECK(floor_at(kT0, -1100, mem) == 0);
    CHECK(floor_at(kT0 + 2min, -1100, mem) == 0);
    CHECK(floor_at(kT0 + 3min, -1100, mem) == 1000);
    // A dip below it starts the count again.
    mem = kRunning;
    CHECK(floor_at(kT0, -1100, mem) == 0);
    CHECK(floor_at(kT0 + 1min, -500, mem) == 0);
    CHECK(floor_at(kT0 + 2min, -1100, mem) == 0);
    CHECK(floor_at(kT0 + 4min, -1100, mem) == 0);
    CHECK(floor_at(kT0 + 5min, -1100, mem) == 1000);
    // Importing: nothing starts.
    CHECK(floor_at(kT0 + 6min, 40, mem) == 0);
    // Off by default.
    policies::SolarSurplusPolicy off(quick());
    auto d = off.decide(test::snapshot_with_grid(kT0 + 3min, -1100, fleet),
                        policies::memory_of(policies::SolarSurplusState{
                            .running = true, .covered_since = {{"big", kT0}}}));
    CHECK(d.miner_floor_w.empty());
}
