// solar_surplus at a throttled (zero-export or export-limited) inverter: an import after a
// probe backs off by levels, not by pausing miners, and failed probes wait longer each time.
#include <catch2/catch.hpp>

#include "daemon/config/config.hpp"
#include "daemon/loop/allocator.hpp"
#include "daemon/loop/governor.hpp"
#include "policies/registry.hpp"
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

namespace {
// A throttled (or, importing, unthrottled) inverter that puts out pv_w.
SiteSnapshot with_output(TimePoint now, double grid_w, InverterState state, double pv_w,
                         const std::vector<MinerView>& fleet) {
    auto snap = test::snapshot_with_inverter(now, grid_w, state, fleet);
    snap.readings[std::string(signal::kPvAcPowerW)] =
        Reading{pv_w, now, Duration{5000}, "inverter"};
    return snap;
}

// A small miner at its top and a paused 1-2 kW miner: the next probe can only start the big one.
struct StartFails {
    std::vector<MinerView> fleet{test::online_miner("small", test::ladder_caps(100, 300, 5), 300),
                                 test::online_miner("big", test::ladder_caps(1000, 2000, 5))};
    PolicyMemory mem = policies::memory_of(policies::SolarSurplusState{.running = true});

    // The probe goes out at kT0 while the inverter gives 1500 W (house and fleet); the big miner
    // ramps and the site imports at kT0 + 70 s, the inverter then giving all it can: pv_w.
    void probe_and_import(const policies::SolarSurplusPolicy& p, double pv_w) {
        fleet[0].target = loop::run_at(fleet[0], loop::allowed_levels(fleet[0]), 4);
        auto d = p.decide(with_output(kT0, 0, InverterState::throttled, 1500, fleet), mem);
        mem = d.memory;
        REQUIRE(d.budget_w >= 1300);
        fleet[1].target = loop::run_at(fleet[1], loop::allowed_levels(fleet[1]), 0);
        fleet[1].state->power_w = 1000;
        d = p.decide(with_output(kT0 + 70s, 200, InverterState::mppt, pv_w, fleet), mem);
        mem = d.memory;
        REQUIRE(d.shed);
        fleet[1].target = MinerTarget{};  // backed off: paused again
        fleet[1].state->power_w = 0;
    }
    // Throttled again at load_w: may the big miner start?
    bool big_may_start(const policies::SolarSurplusPolicy& p, TimePoint now, double load_w) {
        auto d = p.decide(with_output(now, 0, InverterState::throttled, load_w, fleet), mem);
        mem = d.memory;
        return d.miner_ceiling_w.count("big") == 0;
    }
};

policies::SolarSurplusSettings rising(double w_per_min) {
    auto s = settings();
    s.start_rise_w_per_min = w_per_min;
    return s;
}
}  // namespace

TEST_CASE("zero export: a start that found too little waits for the sun to rise to it",
          "[zero_export]") {
    policies::SolarSurplusPolicy p(rising(100));
    StartFails site;
    // The inverter could give 1900 W, 400 W above the load at the probe: the 1 kW start
    // needs 600 W more, 6 minutes at 100 W a minute.
    site.probe_and_import(p, 1900);
    CHECK(policies::state_of<policies::SolarSurplusState>(site.mem).found_pv_w == Approx(1900));
    CHECK_FALSE(site.big_may_start(p, kT0 + 80s, 1500));
    CHECK_FALSE(site.big_may_start(p, kT0 + 70s + 5min, 1500));
    CHECK(site.big_may_start(p, kT0 + 70s + 6min + 10s, 1500));
}

TEST_CASE("zero export: a load that outgrows the limit found ends the wait", "[zero_export]") {
    policies::SolarSurplusPolicy p(rising(100));
    StartFails site;
    site.probe_and_import(p, 1900);
    CHECK_FALSE(site.big_may_start(p, kT0 + 80s, 1500));
    // The house draws less: room for the start at once.
    CHECK(site.big_may_start(p, kT0 + 90s, 800));
    // The small miners grew past 1900 W: that limit has passed, for good.
    CHECK(site.big_may_start(p, kT0 + 100s, 2000));
    CHECK(site.big_may_start(p, kT0 + 110s, 1500));
    CHECK_FALSE(policies::state_of<policies::SolarSurplusState>(site.mem).found_pv_w);
}

TEST_CASE("zero export: an import from a cloud is no limit found, and 0 turns the wait off",
          "[zero_export]") {
    SECTION("a cloud: the inverter gives less than at the probe") {
        policies::SolarSurplusPolicy p(rising(100));
        StartFails site;
        site.probe_and_import(p, 1200);
        CHECK_FALSE(policies::state_of<policies::SolarSurplusState>(site.mem).found_pv_w);
        CHECK(site.big_may_start(p, kT0 + 80s, 1100));
    }
    SECTION("off") {
        policies::SolarSurplusPolicy p(rising(0));
        StartFails site;
        site.probe_and_import(p, 1900);
        CHECK(site.big_may_start(p, kT0 + 80s, 1500));
    }
}

TEST_CASE(
    "solar_surplus: start_rise_w_per_min and bare_start_after are checked by the loader, off by "
    "default",
    "[zero_export]") {
    config::Catalog catalog;
    for (const auto& t : policies::policy_types()) catalog.policies[t.name] = t.keys;
    catalog.miner_drivers["simulated"] = {};
    auto load = [&](const std::string& line) {
        return config::load_string(
            "[site]\nmax_draw_w = 2000\n[policy]\nuse = \"solar_surplus\"\n"
            "[policy.solar_surplus]\n" +
                line + "\n[[miners]]\nid = \"a\"\ndriver = \"simulated\"\n",
            "t.toml", catalog);
    };
    auto r = load("start_rise_w_per_min = 150");
    REQUIRE(r.ok());
    CHECK(policies::SolarSurplusSettings::from(r.config->policy_options).start_rise_w_per_min ==
          150);
    r = load("");
    REQUIRE(r.ok());
    CHECK(policies::SolarSurplusSettings::from(r.config->policy_options).start_rise_w_per_min == 0);
    r = load("start_rise_w_per_min = -5");
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.diagnostics.size() == 1);
    CHECK(r.diagnostics[0].format().find("t.toml:6:") == 0);
    CHECK(r.diagnostics[0].format().find("policy.solar_surplus.start_rise_w_per_min") !=
          std::string::npos);
    r = load("bare_start_after = \"3m\"");
    REQUIRE(r.ok());
    CHECK(policies::SolarSurplusSettings::from(r.config->policy_options).bare_start_after == 3min);
    r = load("");
    CHECK(policies::SolarSurplusSettings::from(r.config->policy_options).bare_start_after ==
          Duration{0});
    r = load("bare_start_after = \"2h\"");
    REQUIRE_FALSE(r.ok());
    CHECK(r.diagnostics[0].format().find("policy.solar_surplus.bare_start_after") !=
          std::string::npos);
}
