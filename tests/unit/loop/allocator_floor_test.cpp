// Heat floors in the allocator and the governor: planned first whatever the budget, rounded up
// to a level inside the miner's ceiling, pinned for continuous targets, trimmed last by the
// site's max_draw_w, and beaten by the safe state.
#include <catch2/catch.hpp>

#include <random>

#include "daemon/loop/allocator.hpp"
#include "daemon/loop/governor.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;
using namespace hashsink::loop;

namespace {

std::vector<MinerView> fleet() {
    return {test::online_miner("a", test::ladder_caps(100, 400, 4)),    // 100 200 300 400
            test::online_miner("b", test::ladder_caps(100, 400, 4)),
            test::online_miner("c", test::ladder_caps(100, 400, 4))};
}

double planned(const std::vector<MinerTarget>& t) {
    double w = 0;
    for (const auto& x : t) w += x.run ? x.power_w : 0;
    return w;
}

}  // namespace

TEST_CASE("floors: planned even without a budget, rounded up to a level", "[heat][allocator]") {
    std::map<std::string, double> floors{{"b", 150}};
    auto plan = allocate(0, fleet(), {.floor_w = &floors});
    CHECK_FALSE(plan.targets[0].run);
    REQUIRE(plan.targets[1].run);
    CHECK(plan.targets[1].power_w == 200);
    CHECK_FALSE(plan.targets[2].run);
    CHECK(plan.planned_w == 200);
}

TEST_CASE("floors: the budget left goes to the others, and may raise a floored miner",
          "[heat][allocator]") {
    std::map<std::string, double> floors{{"b", 150}};
    auto plan = allocate(500, fleet(), {.floor_w = &floors});
    CHECK(plan.targets[1].power_w >= 200);
    CHECK(plan.planned_w <= 500 + 1e-9);
    CHECK(planned(plan.targets) == Approx(plan.planned_w));
    // Without floors the same budget is shared as before.
    auto plain = allocate(500, fleet());
    CHECK(plain.planned_w <= 500 + 1e-9);
}

TEST_CASE("floors: never above a ceiling or the miner's max_power_w", "[heat][allocator]") {
    auto miners = fleet();
    miners[0].max_power_w = 250;
    std::map<std::string, double> floors{{"a", 400}, {"b", 400}};
    std::map<std::string, double> ceilings{{"b", 300}};
    auto plan = allocate(0, miners, {.ceiling_w = &ceilings, .floor_w = &floors});
    CHECK(plan.targets[0].power_w == 200);   // the highest level under max_power_w
    CHECK(plan.targets[1].power_w == 300);   // the highest level under its ceiling
    // A ceiling below the lowest level keeps it paused, floor or not.
    ceilings["b"] = 50;
    plan = allocate(0, miners, {.ceiling_w = &ceilings, .floor_w = &floors});
    CHECK_FALSE(plan.targets[1].run);
}

TEST_CASE("floors: a continuous-target miner runs at its floor", "[heat][allocator]") {
    auto miners = fleet();
    miners[2].caps.continuous_power = true;
    miners[2].caps.power_step_w = 10;
    std::map<std::string, double> floors{{"c", 233}};
    auto plan = allocate(0, miners, {.floor_w = &floors});
    REQUIRE(plan.targets[2].run);
    CHECK(plan.targets[2].power_w == 240);   // rounded up to its step
    CHECK(plan.planned_w == 240);
    // With budget to spare it takes more, up to its top.
    plan = allocate(1000, miners, {.floor_w = &floors});
    CHECK(plan.targets[2].power_w >= 240);
    CHECK(plan.targets[2].power_w <= 400);
}

TEST_CASE("floors: offline miners get none", "[heat][allocator]") {
    auto miners = fleet();
    miners[0].state_fresh = false;
    std::map<std::string, double> floors{{"a", 100}};
    auto plan = allocate(0, miners, {.floor_w = &floors});
    CHECK_FALSE(plan.targets[0].run);
}

TEST_CASE("floors: the site limit trims miners without a floor first", "[heat][governor]") {
    SiteSnapshot s;
    s.miners = fleet();
    std::vector<MinerTarget> proposed = {run_at(s.miners[0], allowed_levels(s.miners[0]), 3),
                                         run_at(s.miners[1], allowed_levels(s.miners[1]), 3),
                                         run_at(s.miners[2], allowed_levels(s.miners[2]), 3)};
    std::map<std::string, double> floors{{"c", 400}};
    SiteLimits limits;
    limits.max_draw_w = 700;
    auto out = govern(proposed, s, limits, {.floor_w = &floors}).targets;
    double total = 0;
    for (const auto& g : out) total += g.target.run ? g.target.power_w : 0;
    CHECK(total <= 700);
    CHECK(out[2].target.power_w == 400);   // the floored miner keeps its floor
    // Floors beyond the site limit are trimmed too: max_draw_w always wins.
    limits.max_draw_w = 300;
    out = govern(proposed, s, limits, {.floor_w = &floors}).targets;
    total = 0;
    for (const auto& g : out) total += g.target.run ? g.target.power_w : 0;
    CHECK(total <= 300);
    // And the safe state wins over any floor.
    out = govern(proposed, s, limits, {.fail_safe = true, .floor_w = &floors}).targets;
    for (const auto& g : out) CHECK_FALSE(g.target.run);
}

TEST_CASE("floors: generated fleets honour every floor within ceilings and budget",
          "[heat][allocator]") {
    std::mt19937 rng(5);
    std::uniform_real_distribution<double> w(0, 300), budget(0, 2000);
    std::uniform_int_distribution<int> coin(0, 2);
    for (int trial = 0; trial < 300; ++trial) {
        auto miners = test::random_fleet(rng, 12);
        std::map<std::string, double> floors, ceilings;
        for (const auto& m : miners) {
            if (coin(rng) == 0) floors[m.id] = w(rng);
            if (coin(rng) == 0) ceilings[m.id] = w(rng);
        }
        const double b = budget(rng);
        auto plan = allocate(b, miners, {.ceiling_w = &ceilings, .floor_w = &floors});
        double floor_w = 0;
        for (std::size_t i = 0; i < miners.size(); ++i) {
            const auto& m = miners[i];
            const auto& t = plan.targets[i];
            INFO("trial " << trial << " miner " << m.id);
            if (auto c = ceilings.find(m.id); c != ceilings.end() && t.run)
                CHECK(t.power_w <= c->second + 1e-6);
            if (m.max_power_w > 0 && t.run) CHECK(t.power_w <= m.max_power_w + 1e-6);
            auto f = floors.find(m.id);
            if (f == floors.end() || !m.state_fresh) continue;
            auto levels = allowed_levels(m);
            double cap = levels.empty() ? 0 : levels.back().power_w;
            if (auto c = ceilings.find(m.id); c != ceilings.end()) {
                double best = 0;
                for (const auto& l : levels)
                    if (l.power_w <= c->second + 1e-9) best = l.power_w;
                cap = best;
            }
            if (cap <= 0) continue;   // nothing fits: paused
            REQUIRE(t.run);
            CHECK(t.power_w >= std::min(f->second, cap) - 1e-6);
            floor_w += t.power_w;
        }
        // Beyond the floors, the budget is respected.
        CHECK(plan.planned_w <= std::max(b, 0.0) + floor_w + 1e-6);
    }
}
