// TimeZone: UTC offset at any instant, from a fixed offset or a TZif file's bytes (RFC 8536,
// versions 1 to 4) with its POSIX TZ footer rule for times beyond the last transition. Pure: the
// bytes are read at the edge (daemon/config/zoneinfo.hpp), so policies can hold a zone.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"

namespace hashsink {

// A POSIX TZ string as TZif footers carry it, e.g. "CET-1CEST,M3.5.0,M10.5.0/3". Offsets are
// stored as local time minus UTC (the POSIX text counts the other way: CET-1 is UTC+1).
struct PosixTzRule {
    struct Date {
        enum class Kind { julian_no_leap, day_of_year, month_week_day };
        Kind kind = Kind::month_week_day;
        int day = 0;            // Jn: 1..365; n: 0..365; M: weekday 0 (Sunday)..6
        int week = 1;           // M: 1..5 (5: the last)
        int month = 1;          // M: 1..12
        std::int64_t time_s = 7200;   // local time of day of the change, -167h..167h
    };
    std::int64_t std_offset_s = 0;
    bool has_dst = false;
    std::int64_t dst_offset_s = 0;
    Date start, end;            // start: into daylight saving (in standard time); end: out of it

    static Result<PosixTzRule> parse(std::string_view text);
    std::int64_t offset_s_at(std::int64_t unix_s) const;
};

class TimeZone {
public:
    // UTC, or a fixed offset (local time minus UTC).
    TimeZone() = default;
    static TimeZone fixed(std::chrono::minutes offset, std::string name = {});
    // Parses TZif bytes; every malformed or truncated input is an error value.
    static Result<TimeZone> from_tzif(std::string_view bytes, std::string name);

    const std::string& name() const { return name_; }
    // Local time minus UTC at an instant, e.g. +60 min in Berlin in winter, +120 in summer.
    std::chrono::minutes offset_at(TimePoint t) const;
    std::int64_t offset_s_at(std::int64_t unix_s) const;
    // The instant a local wall-clock time (seconds since 1970-01-01T00:00 local) happens: its
    // first occurrence when the clocks go back; when the clocks skip it (spring forward), the
    // instant the skipped hour ends, the first whose local time is past it.
    std::int64_t unix_s_of_local(std::int64_t local_s) const;

private:
    struct Transitions {
        std::vector<std::int64_t> at_s;         // ascending
        std::vector<std::int64_t> offset_s;     // in effect from each one
    };

    std::string name_ = "UTC";
    std::int64_t initial_offset_s_ = 0;         // before the first transition (or always)
    // Shared and immutable: settings copy their zone freely (a policy per tick, a comfort
    // window check per zone).
    std::shared_ptr<const Transitions> transitions_;
    std::optional<PosixTzRule> footer_;         // beyond the last transition
};

}  // namespace hashsink
