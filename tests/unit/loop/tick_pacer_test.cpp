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
    pacer.fresh_data();  // arrives right after a tick: waits out the spacing only
    CHECK(pacer.next() == t0 + 500ms);
    CHECK(pacer.deadline() == t0 + 1300ms);
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
    REQUIRE(ticks.size() == 50);  // 10 s / 200 ms, the first at t0
    for (std::size_t i = 1; i < ticks.size(); ++i) CHECK(ticks[i] - ticks[i - 1] >= 200ms);
}

TEST_CASE("pacer: a spacing above the period is the period", "[loop][pacer]") {
    loop::TickPacer pacer(100ms, 1s);
    pacer.ticked(t0);
    pacer.fresh_data();
    CHECK(pacer.next() == t0 + 100ms);
}
