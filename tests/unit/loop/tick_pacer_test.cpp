#include "daemon/loop/tick_pacer.hpp"

#include <catch2/catch.hpp>

#include "daemon/loop/recent_samples.hpp"

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

TEST_CASE("recent samples: quantiles over the last values only", "[loop][timing]") {
    loop::RecentSamples samples(100);
    std::vector<double> scratch;
    CHECK(samples.quantile(0.5, scratch) == 0);  // none yet
    for (int i = 1; i <= 100; ++i) samples.add(i);
    CHECK(samples.size() == 100);
    CHECK(samples.quantile(0.5, scratch) == Approx(50.5).margin(0.5));
    CHECK(samples.quantile(0.99, scratch) == 99);
    CHECK(samples.quantile(1, scratch) == 100);
    CHECK(samples.quantile(0, scratch) == 1);
    // A hundred more push the first hundred out: one slow value among them is the maximum.
    for (int i = 0; i < 99; ++i) samples.add(2);
    samples.add(500);
    CHECK(samples.size() == 100);
    CHECK(samples.quantile(0.5, scratch) == 2);
    CHECK(samples.quantile(0.99, scratch) == 2);
    CHECK(samples.quantile(1, scratch) == 500);
}

TEST_CASE("pacer: a tick is due from its period's end, or from the reading that earns it",
          "[loop][pacer][timing]") {
    loop::TickPacer pacer(1s, 200ms);
    pacer.ticked(t0);
    pacer.ticked(t0 + 1s);
    CHECK(pacer.due_since() == t0 + 2s);  // no reading: the period
    pacer.fresh_data(t0 + 1300ms);
    CHECK(pacer.next() == t0 + 1s);           // the spacing allows it at once...
    CHECK(pacer.due_since() == t0 + 1300ms);  // ...and it became due when the reading came
    pacer.fresh_data(t0 + 1600ms);            // a second reading does not move it
    CHECK(pacer.due_since() == t0 + 1300ms);
    // A reading that waits out the spacing is due when the spacing allows.
    pacer.ticked(t0 + 1310ms);
    pacer.fresh_data(t0 + 1320ms);
    CHECK(pacer.due_since() == t0 + 1400ms);
}
