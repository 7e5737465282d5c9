#include "daemon/core/time.hpp"

#include <cctype>
#include <cstdio>
#include <ctime>

namespace hashsink {

std::chrono::nanoseconds SystemClock::wall_ns() { return WallClock::now().time_since_epoch(); }
std::chrono::nanoseconds SystemClock::steady_ns() {
    return std::chrono::steady_clock::now().time_since_epoch();
}

SystemClock::SystemClock(Source wall, Source steady)
    : wall_(wall), steady_(steady), offset_ns_((wall() - steady()).count()) {}

TimePoint SystemClock::now() const {
    const std::chrono::nanoseconds site = steady_() + std::chrono::nanoseconds{offset_ns_.load()};
    return TimePoint{std::chrono::duration_cast<WallClock::duration>(site)};
}

Duration SystemClock::resync() const {
    const std::int64_t wall_offset = (wall_() - steady_()).count();
    const std::int64_t step_ns = wall_offset - offset_ns_.exchange(wall_offset);
    return std::chrono::duration_cast<Duration>(std::chrono::nanoseconds{step_ns});
}

std::optional<Duration> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    double total_ms = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t start = i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
            ++i;
        if (start == i) return std::nullopt;
        double number = 0;
        try {
            number = std::stod(std::string(text.substr(start, i - start)));
        } catch (...) {
            return std::nullopt;
        }
        std::size_t unit_start = i;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
        std::string_view unit = text.substr(unit_start, i - unit_start);
        double scale = 0;
        if (unit == "ms") scale = 1;
        else if (unit == "s") scale = 1000;
        else if (unit == "m") scale = 60'000;
        else if (unit == "h") scale = 3'600'000;
        else if (unit == "d") scale = 86'400'000;
        else return std::nullopt;
        total_ms += number * scale;
    }
    if (total_ms > 1e12) return std::nullopt;
    return Duration{static_cast<std::int64_t>(total_ms + 0.5)};
}

std::string format_duration(Duration d) {
    auto ms = d.count();
    if (ms % 3'600'000 == 0 && ms != 0) return std::to_string(ms / 3'600'000) + "h";
    if (ms % 60'000 == 0 && ms != 0) return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    return std::to_string(ms) + "ms";
}

std::string iso8601(TimePoint t) {
    auto ms = unix_ms(t);
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    if (ms < 0 && ms % 1000 != 0) --secs;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(((ms % 1000) + 1000) % 1000));
    return buf;
}

}  // namespace hashsink
