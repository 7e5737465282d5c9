#include "daemon/loop/tick_pacer.hpp"

#include <catch2/catch.hpp>

using namespace hashsink;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {
const Steady::time_point t0 = Steady::time_point{} + 1000s;
}

TEST_CASE("pacer: a new reading makes the next tick due at once, not a period later",
          "[loop][pacer]") {
    loop::TickPacer pacer(1s, 200ms);
    pacer.ticked(t0);
    REQUIRE(pacer.next() == t0 + 1s);
    pacer.fresh_data();  // arrives 300 ms after the tick: tick on it now
    CHECK(pacer.next() <= t0 + 300ms);
    pacer.ticked(t0 + 300ms);
    CHECK_FALSE(pacer.has_fresh_data());
    pacer.fresh_data();  // arrives right after a tick, the one before 300 ms earlier: waits until
                         // two ticks fit in twice the spacing
    CHECK(pacer.next() == t0 + 400ms);
    CHECK(pacer.deadline() == t0 + 1300ms);
}

TEST_CASE("pacer: a reading right after a tick acts at once when the loop was quiet",
          "[loop][pacer]") {
    // Ticks a period apart, then one source's reading wakes a tick and another's lands 5 ms
    // later (a generator's frequency dip): it does not wait out the spacing.
    loop::TickPacer pacer(1s, 200ms);
    pacer.ticked(t0);
    pacer.ticked(t0 + 1s);
    pacer.fresh_data();
    CHECK(pacer.next() <= t0 + 1005ms);
}

TEST_CASE("pacer: without readings the loop still ticks at its period", "[loop][pacer]") {
    loop::TickPacer pacer(1s, 200ms);
    auto at = t0;
    for (int i = 0; i < 5; ++i) {
        pacer.ticked(at);
        REQUIRE(pacer.next() == at + 1s);
        at = pacer.next();
    }
}

TEST_CASE("pacer: a source delivering every millisecond cannot beat the minimum spacing",
          "[loop][pacer]") {
    loop::TickPacer pacer(1s, 200ms);
    pacer.ticked(t0);
    std::vector<Steady::time_point> ticks{t0};
    for (auto now = t0; now < t0 + 10s; now += 1ms) {
        pacer.fresh_data();
        if (now >= pacer.next()) {
            pacer.ticked(now);
            ticks.push_back(now);
        }
    }
    // 10 s / 200 ms on average (the first at t0, then pairs every 400 ms); no three ticks in
    // less than twice the spacing.
    REQUIRE(ticks.size() >= 50);
    REQUIRE(ticks.size() <= 52);
    for (std::size_t i = 2; i < ticks.size(); ++i) CHECK(ticks[i] - ticks[i - 2] >= 400ms);
}

TEST_CASE("pacer: a spacing above the period is the period", "[loop][pacer]") {
    loop::TickPacer pacer(100ms, 1s);
    pacer.ticked(t0);
    pacer.fresh_data();
    CHECK(pacer.next() == t0 + 100ms);
}
