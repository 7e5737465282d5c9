// Time: wall-clock time points for everything recorded, a Clock seam for tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hashsink {

using WallClock = std::chrono::system_clock;
using TimePoint = WallClock::time_point;
using Duration = std::chrono::milliseconds;

// The daemon reads time only through a Clock, so loops can be driven by a fake in tests.
class Clock {
public:
    virtual ~Clock() = default;
    virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
public:
    TimePoint now() const override { return WallClock::now(); }
};

// A clock that only moves when told to.
class ManualClock final : public Clock {
public:
    explicit ManualClock(TimePoint start = TimePoint{std::chrono::seconds{1'700'000'000}})
        : now_(start) {}
    TimePoint now() const override { return now_; }
    void advance(Duration d) { now_ += d; }
    void set(TimePoint t) { now_ = t; }

private:
    TimePoint now_;
};

// "250ms", "5s", "2m", "1h", "1h30m": the config's duration syntax. nullopt when malformed.
std::optional<Duration> parse_duration(std::string_view text);
std::string format_duration(Duration d);

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
