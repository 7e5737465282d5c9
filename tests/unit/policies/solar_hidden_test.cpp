// solar_surplus on export-limited and zero-export sites (hidden surplus), with clipping
// estimates, and with a battery. The foundation's tests (solar_surplus_test.cpp) still hold.
#include <catch2/catch.hpp>

#include <cmath>
#include <optional>
#include <random>

#include "daemon/loop/allocator.hpp"
#include "daemon/loop/governor.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"
#include "tests/support/fleet.hpp"
#include "tests/support/solar_settings.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using test::kT0;
using test::put;

namespace {
policies::SolarSurplusSettings quick() {
    auto s = test::quick_solar();
    s.probe_step_w = 5;
    s.probe_interval = 5s;
    s.probe_hold = 30s;
    s.limit_band_w = 10;
    return s;
}

struct HiddenRun {
    double hidden_wh = 0;      // what the site could have given the miners
    double absorbed_wh = 0;
    double import_wh = 0;
    int longest_import_s = 0;
};

// A zero-export (export_limit 0) or export-limited site: the inverter makes what the house, the
// miners and the allowed export take, up to what the panels give. with_dc: it reports its DC.
HiddenRun run_hidden(double export_limit_w, bool with_dc, double noise_w) {
    std::mt19937 rng(99);
    std::normal_distribution<double> noise(0, noise_w);
    policies::SolarSurplusPolicy p(quick());
    std::vector<MinerView> fleet = test::small_ladder_fleet(6);
    loop::SiteLimits limits;
    limits.min_dwell = 5s;
    PolicyMemory mem;
    HiddenRun r;
    TimePoint now = kT0;
    int import_run = 0;
    for (int t = 0; t < 3 * 3600; ++t) {
        now += 1s;
        const double potential = std::max(0.0, 260 + 120 * std::sin(t / 1200.0) + noise(rng));
        const double house = 60;
        double miners_w = 0;
        for (auto& m : fleet) {
            double w = m.target.run ? m.target.power_w : 0;
            m.state->power_w = w;
            miners_w += w;
        }
        const double ac = std::min(potential, house + miners_w + export_limit_w);
        const double grid = house + miners_w - ac;
        // What the fleet (6 x 30 W at most) could have taken of it.
        r.hidden_wh += std::min(180.0, std::max(0.0, potential - house - export_limit_w)) / 3600;
        r.absorbed_wh += std::min(miners_w, std::max(0.0, potential - house - export_limit_w)) / 3600;
        r.import_wh += std::max(0.0, grid) / 3600;
        import_run = grid > 25 ? import_run + 1 : 0;
        r.longest_import_s = std::max(r.longest_import_s, import_run);
        auto snap = test::snapshot_with_grid(now, grid, fleet);
        put(snap, signal::kPvAcPowerW, ac);
        put(snap, signal::kPvState, static_cast<double>(ac < potential - 1 ? InverterState::throttled
                                                                          : InverterState::mppt));
        if (export_limit_w > 0) put(snap, signal::kExportLimitW, export_limit_w);
        if (with_dc) put(snap, signal::kPvDcPowerW, potential / 0.97);
        auto d = p.decide(snap, mem);
        mem = d.memory;
        REQUIRE_FALSE(d.fail_safe);
        auto proposal = d.hold ? loop::current_targets(snap)
                               : loop::allocate(d.budget_w, fleet, {.start_margin_w = 5}).targets;
        auto g = loop::govern(proposal, snap, limits, {.shed = d.shed}).targets;
        for (std::size_t i = 0; i < fleet.size(); ++i) {
            if (!g[i].changed) continue;
            fleet[i].target = g[i].target;
            fleet[i].target_since = now;
        }
    }
    return r;
}

// The run absorbed more than `share` of the hidden surplus and imported under 3 % of what it
// absorbed, no import lasting more than max_import_s (when given).
void check_absorbed(const HiddenRun& r, double share, std::optional<int> max_import_s = {}) {
    INFO("hidden " << r.hidden_wh << " Wh, absorbed " << r.absorbed_wh << " Wh, import " << r.import_wh);
    CHECK(r.absorbed_wh > share * r.hidden_wh);
    CHECK(r.import_wh < 0.03 * r.absorbed_wh);
    if (max_import_s) CHECK(r.longest_import_s <= *max_import_s);
}
}  // namespace

TEST_CASE("solar: a zero-export site's hidden surplus is probed, import backs off", "[solar_surplus]") {
    check_absorbed(run_hidden(0, false, 3), 0.8, 2);
}

TEST_CASE("solar: DC above the AC output is counted as surplus", "[solar_surplus]") {
    check_absorbed(run_hidden(0, true, 3), 0.85, 2);
}

TEST_CASE("solar: an export-limited site fills up to the limit", "[solar_surplus]") {
    check_absorbed(run_hidden(40, false, 3), 0.8);
}

TEST_CASE("solar: clipping above the AC rating cannot reach the miners", "[solar_surplus]") {
    policies::SolarSurplusPolicy p(quick());
    PolicyMemory mem = policies::memory_of(policies::SolarSurplusState{.running = true});
    auto fleet = std::vector<MinerView>{test::online_miner("a", test::ladder_caps(10, 30, 3), 20)};
    // Exporting 100 W at the AC rating with DC to spare: the surplus is the export, no more.
    auto snap = test::snapshot_with_grid(kT0, -100, fleet);
    put(snap, signal::kPvAcPowerW, 5000);
    put(snap, signal::kPvRatingW, 5000);
    put(snap, signal::kPvDcPowerW, 6000);
    REQUIRE(p.decide(snap, mem).budget_w == Approx(100 + 20 - 20));
    // Limited to 4 kW by a zero-export setting, grid at zero: 1 kW is hidden (up to the rating).
    put(snap, signal::kPvAcPowerW, 4000);
    put(snap, signal::kGridPowerW, 0);
    auto d = p.decide(snap, mem);
    REQUIRE(d.budget_w == Approx(20 + 1000 - 20));
    REQUIRE(d.reason.find("DC above the AC output") == 0);
}

TEST_CASE("solar: battery charging is reserved, discharge never mined below the floor", "[solar_surplus]") {
    auto s = quick();
    s.battery_min_soc_pct = 50;
    policies::SolarSurplusPolicy p(s);
    PolicyMemory mem = policies::memory_of(policies::SolarSurplusState{.running = true});
    auto fleet = std::vector<MinerView>{test::online_miner("a", test::ladder_caps(10, 300, 5), 100)};
    auto snap = test::snapshot_with_grid(kT0, -200, fleet);
    put(snap, signal::kBatteryPowerW, -500);   // charging 500 W
    put(snap, signal::kBatterySocPct, 60);
    REQUIRE(p.decide(snap, mem).budget_w == Approx(200 + 100 - 20));   // charge reserved
    put(snap, signal::kBatterySocPct, 96);                             // nearly full
    REQUIRE(p.decide(snap, mem).budget_w == Approx(200 + 100 - 20 + 500));
    // A hybrid inverter holding the grid at zero by discharging 80 W for the miners.
    put(snap, signal::kGridPowerW, -40);
    put(snap, signal::kBatteryPowerW, 80);
    put(snap, signal::kBatterySocPct, 40);                             // below the floor
    REQUIRE(p.decide(snap, mem).budget_w == Approx(40 + 100 - 20 - 80));
    put(snap, signal::kBatterySocPct, 70);                             // above: it may buffer
    REQUIRE(p.decide(snap, mem).budget_w == Approx(40 + 100 - 20));
    auto keep = s;
    keep.battery_reserve_charge = false;
    put(snap, signal::kBatteryPowerW, -300);
    REQUIRE(policies::SolarSurplusPolicy(keep).decide(snap, mem).budget_w == Approx(40 + 100 - 20 + 300));
    // A battery reading that went stale: safe state.
    put(snap, signal::kBatteryPowerW, -300, 10s);
    REQUIRE(p.decide(snap, mem).fail_safe);
}

TEST_CASE("solar: overclock only when the surplus exceeds the fleet's nominal power", "[solar_surplus]") {
    std::vector<MinerView> fleet;
    for (int i = 0; i < 4; ++i)
        fleet.push_back(test::online_miner("m" + std::to_string(i), test::ladder_caps(10, 30, 5)));
    double nominal = 0;
    for (const auto& m : fleet) nominal += m.caps.nominal_power_w();
    // Falling budgets: underclock first, then pause; no miner above nominal below the sum.
    for (double budget = 130; budget >= 0; budget -= 5) {
        for (auto& m : fleet) m.target = MinerTarget{};
        auto a = loop::allocate(budget, fleet);
        int running = 0;
        for (std::size_t i = 0; i < fleet.size(); ++i) {
            if (!a.targets[i].run) continue;
            ++running;
            if (budget < nominal) REQUIRE(a.targets[i].power_w <= fleet[i].caps.nominal_power_w() + 1e-9);
        }
        // Every miner runs (at its lowest level at least) while the budget covers them all.
        if (budget >= 4 * 10) REQUIRE(running == 4);
    }
}
