// Time: wall-clock time points for everything recorded, a Clock seam for tests.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace hashsink {

using WallClock = std::chrono::system_clock;
using TimePoint = WallClock::time_point;
using Duration = std::chrono::milliseconds;

// The daemon reads time only through a Clock, so loops can be driven by a fake in tests.
class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
    // Brings now() back to the wall clock after the wall clock stepped (NTP, an operator's
    // `date -s`), and says by how much now() moved: zero for a clock that never steps. Only the
    // control loop calls it, at the top of a tick, and moves every time point it keeps by the
    // step, so a dwell or a delay measured across the step loses or gains nothing.
    virtual Duration resync() const { return Duration{0}; }
};

// Site time: the wall clock, paced by the monotonic clock between two resync() calls, so every
// thread sees time move steadily however the wall clock steps, and the loop decides when a
// step counts (daemon/loop/control_loop.cpp). The sources are injectable for tests.
class SystemClock final : public Clock {
public:
    using Source = std::chrono::nanoseconds (*)();
    SystemClock(Source wall = wall_ns, Source steady = steady_ns);
    TimePoint now() const override;
    Duration resync() const override;

private:
    static std::chrono::nanoseconds wall_ns();
    static std::chrono::nanoseconds steady_ns();
    Source wall_, steady_;
    mutable std::atomic<std::int64_t> offset_ns_;  // site time = steady + offset
};

// A clock that only moves when told to.
class ManualClock final : public Clock {
public:
    explicit ManualClock(TimePoint start = TimePoint{std::chrono::seconds{1'700'000'000}})
        : now_(start) {}
    TimePoint now() const override { return now_; }
    void advance(Duration d) { now_ += d; }
    void set(TimePoint t) { now_ = t; }
    // The wall clock steps by d: as with SystemClock, now() moves at the next resync().
    void step_wall(Duration d) { pending_step_ += d; }
    Duration resync() const override {
        now_ += pending_step_;
        return std::exchange(pending_step_, Duration{0});
    }

private:
    mutable TimePoint now_;
    mutable Duration pending_step_{0};
};

// "250ms", "5s", "2m", "1h", "1h30m": the config's duration syntax. nullopt when malformed.
std::optional<Duration> parse_duration(std::string_view text);
std::string format_duration(Duration d);

// A kept time point after a wall-clock step (Clock::resync); an unset one stays unset.
inline void move_by(TimePoint& t, Duration step) {
    if (t != TimePoint{}) t += step;
}

inline double seconds_between(TimePoint from, TimePoint to) {
    return std::chrono::duration<double>(to - from).count();
}
inline std::int64_t unix_ms(TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
inline TimePoint from_unix_ms(std::int64_t ms) {
    return TimePoint{std::chrono::milliseconds{ms}};
}
// ISO 8601 UTC with milliseconds, e.g. 2026-11-21T10:00:00.000Z
std::string iso8601(TimePoint t);

}  // namespace hashsink
