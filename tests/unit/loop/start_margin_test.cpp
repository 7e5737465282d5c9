// The allocator's start hysteresis: a paused miner needs start_margin_w, or start_margin_pct
// of its own lowest level if that is more, to spare before it starts; a running one does not.
#include <catch2/catch.hpp>

#include "daemon/loop/allocator.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;

TEST_CASE("start margin: a big miner needs its share of spare power to start", "[zero_export]") {
    std::vector<MinerView> fleet{test::online_miner("big", test::ladder_caps(1000, 3000, 5))};
    loop::AllocateOptions options{.start_margin_w = 10};
    CHECK(loop::allocate(1050, fleet, options).targets[0].run);
    options.start_margin_pct = 10;   // 100 W for a 1 kW minimum
    CHECK_FALSE(loop::allocate(1050, fleet, options).targets[0].run);
    CHECK_FALSE(loop::allocate(1099, fleet, options).targets[0].run);
    CHECK(loop::allocate(1100, fleet, options).targets[0].run);
    // Once running it keeps running down to its minimum.
    fleet[0].target = loop::allocate(1100, fleet, options).targets[0];
    CHECK(loop::allocate(1000, fleet, options).targets[0].run);
    CHECK_FALSE(loop::allocate(999, fleet, options).targets[0].run);
}

TEST_CASE("start margin: the absolute margin holds for small miners", "[zero_export]") {
    std::vector<MinerView> fleet{test::online_miner("small", test::ladder_caps(10, 30, 3))};
    loop::AllocateOptions options{.start_margin_w = 10, .start_margin_pct = 10};
    CHECK_FALSE(loop::allocate(19, fleet, options).targets[0].run);   // 10 % of 10 W is 1 W
    CHECK(loop::allocate(20, fleet, options).targets[0].run);
}

TEST_CASE("start margin: the margin leaves the budget to others", "[zero_export]") {
    // 1500 W: the big miner (1 kW minimum, 150 W margin at 15 %) starts; at 1100 W it does
    // not, and the small one takes what it can.
    std::vector<MinerView> fleet{test::online_miner("big", test::ladder_caps(1000, 3000, 5)),
                                 test::online_miner("small", test::ladder_caps(10, 30, 3))};
    loop::AllocateOptions options{.priority = {"big"}, .start_margin_pct = 15};
    auto a = loop::allocate(1500, fleet, options);
    CHECK(a.targets[0].run);
    auto b = loop::allocate(1100, fleet, options);
    CHECK_FALSE(b.targets[0].run);
    CHECK(b.targets[1].run);
    CHECK(b.planned_w == Approx(30));
}
