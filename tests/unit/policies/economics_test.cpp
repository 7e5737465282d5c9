#include <catch2/catch.hpp>

#include <random>

#include "daemon/loop/allocator.hpp"
#include "daemon/loop/governor.hpp"
#include "policies/economics/economics.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using test::kT0;
using test::put;

namespace {
// A miner of `j_per_th` at every level (flat efficiency), 1-3 kW.
MinerView miner(const std::string& id, double j_per_th, bool running = false) {
    MinerCaps caps;
    for (double w : {1000.0, 2000.0, 3000.0}) {
        PowerLevel l;
        l.power_w = w;
        l.hashrate_ths = w / j_per_th;
        caps.levels.push_back(l);
    }
    caps.can_pause = true;
    auto m = test::online_miner(id, caps, running ? 3000 : 0);
    if (running) {
        m.target = loop::run_at(m, m.caps.levels, 2);
        m.state->hashrate_ths = 3000 / j_per_th;
        m.target_since = kT0 - 1h;
    }
    return m;
}

// Hashprice 0.048/TH/day: 20 J/TH earns 0.1/kWh, 30 J/TH 0.0667, 40 J/TH 0.05.
SiteSnapshot site(double grid_w, double import_price, std::vector<MinerView> fleet) {
    auto s = test::snapshot_with_grid(kT0, grid_w, std::move(fleet));
    put(s, signal::kHashpricePerThDay, 0.048);
    put(s, signal::kPriceImportPerKwh, import_price);
    put(s, signal::kPriceFeedInPerKwh, 0.07);
    return s;
}

policies::EconomicsSettings no_margin() {
    auto e = policies::EconomicsSettings::from(Options{});  // the declared defaults
    e.start_margin_per_kwh = 0;
    e.start_delay = Duration{0};
    e.stop_delay = Duration{0};
    return e;
}
}  // namespace

TEST_CASE("economics: revenue per kWh from hashprice and J/TH", "[economics]") {
    REQUIRE(policies::revenue_per_kwh(0.048, 20, 0) == Approx(0.1));
    REQUIRE(policies::revenue_per_kwh(0.048, 20, 50) == Approx(0.05));
    REQUIRE(policies::revenue_per_kwh(0.048, 0, 0) == 0);
}

TEST_CASE("economics: no hashprice means fail-safe, the config value is a fallback", "[economics]") {
    auto s = site(500, 0.2, {miner("a", 20)});
    s.readings.erase(std::string(signal::kHashpricePerThDay));
    policies::EconomicsPolicy p(no_margin());
    REQUIRE(p.decide(s, {}).fail_safe);
    put(s, signal::kHashpricePerThDay, 0.048, 10s);
    REQUIRE(p.decide(s, {}).fail_safe);
    REQUIRE(p.decide(s, {}).reason == "hashprice is stale");
    auto e = no_margin();
    e.hashprice_per_th_day = 0.048;
    REQUIRE_FALSE(policies::EconomicsPolicy(e).decide(s, {}).fail_safe);
}

TEST_CASE("economics: importing runs only the miners worth the import price", "[economics]") {
    policies::EconomicsPolicy p(no_margin());
    // No surplus (importing 500 W), import at 0.08: only the 20 J/TH miner earns more.
    auto s = site(500, 0.08, {miner("eff", 20), miner("mid", 30), miner("old", 40)});
    auto d = p.decide(s, {});
    REQUIRE_FALSE(d.fail_safe);
    REQUIRE(d.miner_ceiling_w.at("eff") == 3000);
    REQUIRE(d.miner_ceiling_w.at("mid") == 0);
    REQUIRE(d.miner_ceiling_w.at("old") == 0);
    REQUIRE(d.budget_w == 3000);
    // The allocator honours the ceilings.
    auto a = loop::allocate(1e6, s.miners, {.ceiling_w = &d.miner_ceiling_w});
    REQUIRE(a.targets[0].run);
    REQUIRE_FALSE(a.targets[1].run);
    REQUIRE_FALSE(a.targets[2].run);
    // A negative price: everything runs flat out.
    d = p.decide(site(500, -0.05, s.miners), {});
    REQUIRE(d.budget_w == 9000);
    // No import price at all: nothing is planned on the grid.
    auto none = site(500, 0.08, s.miners);
    none.readings.erase(std::string(signal::kPriceImportPerKwh));
    REQUIRE(p.decide(none, {}).budget_w == 0);
}

TEST_CASE("economics: surplus costs the feed-in tariff, clipped power almost nothing", "[economics]") {
    policies::EconomicsPolicy p(no_margin());
    // Exporting 7 kW; feed-in 0.07: the 20 J/TH miner (0.1) is worth it, 30 and 40 J/TH not.
    auto s = site(-7000, 0.3, {miner("eff", 20), miner("mid", 30), miner("old", 40)});
    auto d = p.decide(s, {});
    REQUIRE(d.miner_ceiling_w.at("eff") == 3000);
    REQUIRE(d.miner_ceiling_w.at("mid") == 0);
    // The inverter throttles: that surplus would be curtailed, so it is nearly free.
    put(s, signal::kPvState, static_cast<double>(InverterState::throttled));
    d = p.decide(s, {});
    REQUIRE(d.miner_ceiling_w.at("eff") == 3000);
    REQUIRE(d.miner_ceiling_w.at("mid") == 3000);
    REQUIRE(d.miner_ceiling_w.at("old") == 1000);   // only 1 kW of the 7 kW is left
    // A generator site: every watt at the generator's cost.
    auto g = site(0, 0.3, s.miners);
    g.readings.erase(std::string(signal::kGridPowerW));
    put(g, signal::kGensetPowerW, 5000);
    REQUIRE(p.decide(g, {}).budget_w == 9000);
}

TEST_CASE("economics: no start minutes before a price spike", "[economics]") {
    policies::EconomicsPolicy p(no_margin());
    // Importing: the running miner's 3 kW and 500 W of other load come from the grid.
    auto s = site(3500, 0.05, {miner("eff", 20), miner("run", 20, true)});
    s.readings.erase(std::string(signal::kPriceImportPerKwh));
    auto& slots = s.schedules[std::string(signal::kPriceImportPerKwh)];
    slots.push_back({kT0 - 5min, kT0 + 10min, 0.05});
    slots.push_back({kT0 + 10min, kT0 + 25min, 0.50});   // the spike
    auto d = p.decide(s, {});
    REQUIRE(d.miner_ceiling_w.at("eff") == 0);           // would start, but the spike is near
    REQUIRE(d.miner_ceiling_w.at("run") == 3000);        // keeps running until just before it
    REQUIRE(d.reason.find("no start before a price spike") != std::string::npos);
    s.now = kT0 + 10min - 20s;                           // inside stop_ahead
    for (auto& [k, r] : s.readings) r.at = s.now;
    d = p.decide(s, {});
    REQUIRE(d.miner_ceiling_w.at("run") == 0);
    // The price from the schedule when no reading: after the spike, both run again.
    s.now = kT0 + 26min;
    for (auto& [k, r] : s.readings) r.at = s.now;
    slots.push_back({kT0 + 25min, kT0 + 40min, 0.04});
    d = p.decide(s, {});
    REQUIRE(d.miner_ceiling_w.at("eff") == 3000);
}

TEST_CASE("economics: properties over generated snapshots", "[economics]") {
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> grid(-20'000, 5'000), price(-0.05, 0.4), hp(0.01, 0.1);
    policies::EconomicsPolicy p(policies::EconomicsSettings::from(Options{}));
    loop::SiteLimits limits;
    for (int k = 0; k < 1000; ++k) {
        auto fleet = test::random_fleet(rng, 10);
        auto s = test::snapshot_with_grid(kT0, grid(rng), fleet);
        put(s, signal::kHashpricePerThDay, hp(rng));
        put(s, signal::kPriceImportPerKwh, price(rng));
        auto d = p.decide(s, {});
        REQUIRE_FALSE(d.fail_safe);
        double sum = 0;
        for (const auto& [id, w] : d.miner_ceiling_w) sum += w;
        REQUIRE(sum == Approx(d.budget_w));
        auto a = loop::allocate(d.budget_w, s.miners, {.ceiling_w = &d.miner_ceiling_w});
        auto g = loop::govern(a.targets, s, limits, {}).targets;
        double planned = 0;
        for (std::size_t i = 0; i < g.size(); ++i) {
            if (!g[i].target.run) continue;
            planned += g[i].target.power_w;
            REQUIRE(g[i].target.power_w <= d.miner_ceiling_w.at(s.miners[i].id) + 1e-9);
        }
        REQUIRE(planned <= d.budget_w + 1e-9);
    }
}

TEST_CASE("economics: a price or a surplus hovering at break-even does not flap", "[economics]") {
    std::mt19937 rng(5);
    policies::EconomicsPolicy p(policies::EconomicsSettings::from(Options{}));   // default margin and delays
    auto run_hour = [&](auto grid_of, auto price_of) {
        std::vector<MinerView> fleet = {miner("a", 30)};
        PolicyMemory mem;
        int switches = 0;
        for (int t = 0; t < 3600; ++t) {
            const double draw = fleet[0].target.run ? fleet[0].target.power_w : 0;
            auto s = site(grid_of(draw), price_of(), fleet);
            s.now = kT0 + std::chrono::seconds(t);
            for (auto& [k, r] : s.readings) r.at = s.now;
            auto d = p.decide(s, mem);
            mem = d.memory;
            const double c = d.miner_ceiling_w.at("a");
            const bool run = c > 0;
            if (run != fleet[0].target.run) ++switches;
            fleet[0].target = run ? loop::run_at(fleet[0], fleet[0].caps.levels, c > 1500 ? (c > 2500 ? 2 : 1) : 0) : MinerTarget{};
            fleet[0].state->power_w = fleet[0].target.run ? fleet[0].target.power_w : 0;
        }
        return switches;
    };
    // 30 J/TH earns 0.0667/kWh; the import price wanders around it by 0.002 a second.
    std::normal_distribution<double> price_noise(0, 0.002);
    REQUIRE(run_hour([](double draw) { return 500 + draw; },
                     [&] { return 0.0667 - 0.002 + price_noise(rng); }) <= 4);
    // Feed-in 0.07 > 0.0667 > 0.05 import... a surplus of about one miner with 300 W of noise.
    std::normal_distribution<double> pv_noise(0, 300);
    REQUIRE(run_hour([&](double draw) { return draw - 1000 + pv_noise(rng); },
                     [] { return 0.05; }) <= 4);
}
