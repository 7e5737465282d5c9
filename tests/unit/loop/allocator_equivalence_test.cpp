// The allocator's fast path must decide exactly as the straightforward version it replaced,
// kept here verbatim as the reference.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <queue>
#include <random>
#include <set>
#include <unordered_map>

#include "daemon/loop/allocator.hpp"
#include "tests/support/allocate_reference.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;
using test::allocate_reference;

TEST_CASE("allocator fast path equals the reference on random fleets", "[allocator]") {
    std::mt19937 rng(2024);
    std::uniform_real_distribution<double> budget(-50, 4000);
    std::uniform_int_distribution<int> coin(0, 3);
    for (int round = 0; round < 2000; ++round) {
        // Every fourth fleet past 64 miners, where the fast path sorts by radix.
        auto fleet = test::random_fleet(rng, 1 + round % 60 + (round % 4 == 0 ? 64 : 0));
        // Mix in running miners, duplicate levels, continuous targets, per-miner limits and a
        // priority list.
        loop::AllocateOptions options;
        for (std::size_t i = 0; i < fleet.size(); ++i) {
            auto& m = fleet[i];
            if (coin(rng) == 0) m.target.run = true;
            if (coin(rng) == 0 && !m.caps.levels.empty()) m.caps.levels.push_back(m.caps.levels.back());
            if (coin(rng) == 0) {
                m.caps.continuous_power = true;
                m.caps.power_step_w = coin(rng) == 0 ? 0 : 5;
            }
            if (coin(rng) == 0) options.priority.push_back(m.id);
            if (coin(rng) == 0 && m.caps.levels.size() > 1) m.min_power_w = m.caps.levels[1].power_w;
            if (coin(rng) == 0 && m.caps.levels.size() > 2 && m.max_power_w == 0)
                m.max_power_w = m.caps.levels[m.caps.levels.size() - 2].power_w;
        }
        if (round % 7 == 0 && !fleet.empty()) options.priority.push_back(fleet.front().id);   // duplicate
        options.start_margin_w = round % 3 == 0 ? 0 : 15;
        options.start_margin_pct = round % 4 == 0 ? 0 : 5.0 * (round % 5);
        const double b = budget(rng);
        auto fast = loop::allocate(b, fleet, options);
        auto reference = allocate_reference(b, fleet, options);
        INFO("round " << round << " budget " << b);
        REQUIRE(fast.targets == reference.targets);
        REQUIRE(fast.planned_w == reference.planned_w);
    }
}

TEST_CASE("allocator fast path equals the reference on fleets of one model with long shared ids",
          "[allocator]") {
    // Equal caps tie on efficiency, so the order comes down to the ids, which share a long
    // start ("site-a-rack-"), differ after eight bytes or only in length, and may embed a NUL.
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> len(0, 10), ch(0, 3), coin(0, 3);
    const char alphabet[] = {'0', '1', 'a', '\0'};
    for (int round = 0; round < 500; ++round) {
        std::vector<MinerView> fleet;
        const std::string shared = round % 2 == 0 ? "site-a-rack-" : "s";
        const int miners = 1 + round % 40 + (round % 3 == 0 ? 100 : 0);  // radix past 64
        std::set<std::string> ids;  // unique, as the config requires: the reference's
                                    // order of two miners with one id is unspecified
        for (int i = 0; i < miners; ++i) {
            std::string id = shared;
            for (int k = len(rng); k > 0; --k) id += alphabet[ch(rng)];
            if (!ids.insert(id).second) continue;
            auto m = test::online_miner(id, test::ladder_caps(10, 30, 5), 0);
            if (coin(rng) == 0) m.target.run = true;
            if (coin(rng) == 0) m.state_fresh = false;
            fleet.push_back(std::move(m));
        }
        const double b = 12.0 * (round % 30);
        auto fast = loop::allocate(b, fleet, {});
        auto reference = allocate_reference(b, fleet, {});
        INFO("round " << round << " budget " << b);
        REQUIRE(fast.targets == reference.targets);
        REQUIRE(fast.planned_w == reference.planned_w);
    }
}
