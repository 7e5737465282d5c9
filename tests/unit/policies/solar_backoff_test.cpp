// solar_surplus at a throttled (zero-export or export-limited) inverter: an import after a
// probe backs off by levels, not by pausing miners, and failed probes wait longer each time.
#include <catch2/catch.hpp>

#include "daemon/loop/allocator.hpp"
#include "daemon/loop/governor.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"
#include "tests/support/fleet.hpp"
#include "tests/support/solar_settings.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using test::kT0;

namespace {
policies::SolarSurplusSettings settings() {
    auto s = test::solar_with_reserve();
    s.probe_step_w = 50;
    s.probe_interval = 10s;
    s.probe_hold = 30s;
    s.probe_hold_max = 120s;
    s.backoff_settle = 5s;
    s.limit_band_w = 10;
    return s;
}

// Two miners with 50 W steps (100-300 W), running at the given targets.
std::vector<MinerView> fleet_at(double a_w, double b_w) {
    std::vector<MinerView> fleet;
    for (auto [id, w] : {std::pair{"a", a_w}, std::pair{"b", b_w}}) {
        auto m = test::online_miner(id, test::ladder_caps(100, 300, 5), w);
        auto levels = loop::allowed_levels(m);
        for (std::size_t k = 0; k < levels.size(); ++k)
            if (levels[k].power_w == w) m.target = loop::run_at(m, levels, k);
        fleet.push_back(m);
    }
    return fleet;
}

// A throttled inverter holding the grid at grid_w.
SiteSnapshot throttled(TimePoint now, double grid_w, const std::vector<MinerView>& fleet) {
    return test::snapshot_with_inverter(now, grid_w, InverterState::throttled, fleet);
}

std::vector<MinerTarget> plan(const Decision& d, const SiteSnapshot& snap) {
    auto proposal = d.hold ? loop::current_targets(snap) : loop::allocate(d.budget_w, snap.miners).targets;
    loop::SiteLimits limits;
    limits.min_dwell = 0s;
    std::vector<MinerTarget> out;
    for (auto& g : loop::govern(proposal, snap, limits, {.shed = d.shed}).targets) out.push_back(g.target);
    return out;
}

double total_w(const std::vector<MinerTarget>& targets) {
    double w = 0;
    for (const auto& t : targets) w += t.run ? t.power_w : 0;
    return w;
}
}  // namespace

TEST_CASE("zero export: an import after a probe takes one level off, not a miner", "[zero_export]") {
    policies::SolarSurplusPolicy p(settings());
    PolicyMemory mem = policies::memory_of(policies::SolarSurplusState{.running = true});
    // 300 + 200 W running, the inverter throttled at zero: the probe asks for one step more.
    auto fleet = fleet_at(300, 200);
    auto d = p.decide(throttled(kT0, 0, fleet), mem);
    mem = d.memory;
    REQUIRE(d.budget_w == Approx(550));
    auto targets = plan(d, throttled(kT0, 0, fleet));
    REQUIRE(total_w(targets) == Approx(550));
    // The probe was too much: 30 W of import, the meter still showing the older, lower draw.
    fleet = fleet_at(targets[0].power_w, targets[1].power_w);
    for (auto& m : fleet) m.state->power_w = 200;
    d = p.decide(throttled(kT0 + 1s, 30, fleet), mem);
    mem = d.memory;
    REQUIRE(d.shed);
    INFO(d.reason);
    REQUIRE(d.budget_w == Approx(500));   // one 50 W step back, whatever the meter lags
    targets = plan(d, throttled(kT0 + 1s, 30, fleet));
    REQUIRE(targets[0].run);
    REQUIRE(targets[1].run);
    REQUIRE(total_w(targets) == Approx(500));
    // Still importing while the miners follow: no second back-off inside backoff_settle.
    fleet = fleet_at(targets[0].power_w, targets[1].power_w);
    d = p.decide(throttled(kT0 + 3s, 28, fleet), mem);
    mem = d.memory;
    REQUIRE(d.budget_w == Approx(500));
    // Back at zero: the fleet holds; no probe for probe_hold.
    for (int s = 4; s < 30; ++s) {
        d = p.decide(throttled(kT0 + std::chrono::seconds(s), 0, fleet), mem);
        mem = d.memory;
        REQUIRE(d.hold);
    }
    d = p.decide(throttled(kT0 + 32s, 0, fleet), mem);
    REQUIRE_FALSE(d.hold);
    REQUIRE(d.budget_w == Approx(550));
}

TEST_CASE("zero export: at their lowest levels, a back-off pauses one miner", "[zero_export]") {
    policies::SolarSurplusPolicy p(settings());
    PolicyMemory mem =
        policies::memory_of(policies::SolarSurplusState{.running = true, .hidden_at = kT0});
    auto fleet = fleet_at(100, 100);
    auto d = p.decide(throttled(kT0 + 1s, 40, fleet), mem);
    REQUIRE(d.budget_w == Approx(160));   // no probe open: the import comes off
    auto targets = plan(d, throttled(kT0 + 1s, 40, fleet));
    REQUIRE(targets[0].run != targets[1].run);
}

TEST_CASE("zero export: a larger import backs off by the import", "[zero_export]") {
    policies::SolarSurplusPolicy p(settings());
    PolicyMemory mem =
        policies::memory_of(policies::SolarSurplusState{.running = true, .hidden_at = kT0});
    // A cloud while throttled: 180 W of import comes off what the fleet was told (600 W).
    auto fleet = fleet_at(300, 300);
    auto d = p.decide(throttled(kT0 + 2s, 180, fleet), mem);
    REQUIRE(d.budget_w == Approx(420));
    auto targets = plan(d, throttled(kT0 + 2s, 180, fleet));
    REQUIRE(targets[0].run);
    REQUIRE(targets[1].run);
    REQUIRE(total_w(targets) <= 420);
}

namespace {
// The seconds at which probes go out over `seconds` at a throttled inverter, when each of the
// first `failing` probes imports on the next tick and the later ones hold.
std::vector<int> probe_times(int seconds, std::size_t failing, PolicyMemory& mem) {
    policies::SolarSurplusPolicy p(settings());
    mem = policies::memory_of(policies::SolarSurplusState{.running = true});
    auto fleet = fleet_at(300, 200);
    std::vector<int> probes;
    for (int s = 0; s < seconds; ++s) {
        const bool failed = !probes.empty() && probes.back() == s - 1 && probes.size() <= failing;
        auto d = p.decide(throttled(kT0 + std::chrono::seconds(s), failed ? 40 : 0, fleet), mem);
        mem = d.memory;
        if (!d.hold && !d.shed) probes.push_back(s);
    }
    return probes;
}
}  // namespace

TEST_CASE("zero export: each failed probe in a row doubles the hold, up to the maximum", "[zero_export]") {
    PolicyMemory mem;
    auto probes = probe_times(600, 100, mem);
    REQUIRE(probes.size() >= 5);
    // Waits: 30 s, 60 s, 120 s, then capped at 120 s (plus the tick the import took).
    CHECK(probes[1] - probes[0] == 31);
    CHECK(probes[2] - probes[1] == 61);
    CHECK(probes[3] - probes[2] == 121);
    CHECK(probes[4] - probes[3] == 121);
}

TEST_CASE("zero export: a probe that held resets the hold", "[zero_export]") {
    PolicyMemory mem;
    auto probes = probe_times(200, 2, mem);
    REQUIRE(probes.size() >= 5);
    CHECK(probes[1] - probes[0] == 31);
    CHECK(probes[2] - probes[1] == 61);
    CHECK(probes[3] - probes[2] == 10);   // probe_interval: it held
    CHECK(probes[4] - probes[3] == 10);
    CHECK(policies::state_of<policies::SolarSurplusState>(mem).probe_fails == 0);
}

TEST_CASE("battery: a discharge that holds the grid at zero is no dead band", "[zero_export]") {
    policies::SolarSurplusPolicy p(settings());
    PolicyMemory mem = policies::memory_of(policies::SolarSurplusState{.running = true});
    auto fleet = fleet_at(300, 200);
    // The battery covers 300 W of the fleet's 500 W: the meter reads zero, the reserve is 20 W.
    auto snap = test::snapshot_with_grid(kT0, 0, fleet);
    snap.readings[std::string(signal::kBatteryPowerW)] = Reading{300, kT0, Duration{5000}, "battery"};
    snap.readings[std::string(signal::kBatterySocPct)] = Reading{50, kT0, Duration{5000}, "battery"};
    auto d = p.decide(snap, mem);
    INFO(d.reason);
    REQUIRE_FALSE(d.hold);
    REQUIRE(d.budget_w == Approx(500 - 20 - 300));
    // Without the battery the same meter reading is inside the band.
    snap.readings.erase(std::string(signal::kBatteryPowerW));
    snap.readings.erase(std::string(signal::kBatterySocPct));
    REQUIRE(p.decide(snap, mem).hold);
}
