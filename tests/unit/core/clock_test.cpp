// Site time: the wall clock, paced by the monotonic clock, brought back to the wall clock only
// by resync(), which says how far it stepped.
#include <catch2/catch.hpp>

#include "daemon/core/time.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

namespace {
std::chrono::nanoseconds g_wall{1'800'000'000'000'000'000};
std::chrono::nanoseconds g_steady{5'000'000'000};
std::chrono::nanoseconds fake_wall() { return g_wall; }
std::chrono::nanoseconds fake_steady() { return g_steady; }
void elapse(std::chrono::nanoseconds d) {
    g_wall += d;
    g_steady += d;
}
TimePoint wall_now() { return TimePoint{std::chrono::duration_cast<WallClock::duration>(g_wall)}; }
}  // namespace

TEST_CASE("clock: site time follows the wall clock and steps only at resync", "[clock]") {
    SystemClock clock(fake_wall, fake_steady);
    CHECK(clock.now() == wall_now());
    elapse(1500ms);
    CHECK(clock.now() == wall_now());
    CHECK(clock.resync() == 0ms);

    for (Duration step : {Duration{3'600'000}, Duration{-3'600'000}, Duration{-7'200'000}}) {
        INFO("step " << step.count() << " ms");
        const TimePoint before = clock.now();
        g_wall += step;   // the step: the monotonic clock does not see it
        elapse(200ms);
        CHECK(clock.now() - before == 200ms);   // every reader still sees time move steadily
        CHECK(clock.resync() == step);
        CHECK(clock.now() == wall_now());
        CHECK(clock.resync() == 0ms);
    }
}

TEST_CASE("clock: a manual clock's wall step shows at its resync, like the system clock's",
          "[clock]") {
    ManualClock clock;
    const TimePoint t0 = clock.now();
    clock.step_wall(-1h);
    CHECK(clock.now() == t0);
    CHECK(clock.resync() == -1h);
    CHECK(clock.now() == t0 - 1h);
    CHECK(clock.resync() == 0ms);
}
