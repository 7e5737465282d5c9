// Schedule: time windows that switch the fleet off, to its minimum, to its maximum, or cap it.
// See README.md beside this file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/core/settings.hpp"
#include "daemon/core/time_zone.hpp"
#include "policies/common/intent.hpp"

namespace hashsink::policies {

// "[DAYS ]HH:MM-HH:MM MODE": DAYS like "mon-fri", "sat,sun" or "tue" (every day when absent),
// MODE one of off, min, max or a cap like "1500W". A window may cross midnight (22:00-06:00);
// it then belongs to the day it starts on.
struct ScheduleWindow {
    unsigned days = 0x7f;          // bit 0 = Monday ... bit 6 = Sunday
    int start_min = 0;             // minutes after local midnight
    int end_min = 0;
    Intent::Mode mode = Intent::Mode::off;
    double cap_w = 0;
    std::string text;
};

// The window, or an error message naming what is wrong.
struct ParsedWindow {
    std::optional<ScheduleWindow> window;
    std::string error;
};
ParsedWindow parse_window(const std::string& text);

struct ScheduleSettings {
    std::vector<ScheduleWindow> windows;
    // Local time: the site's zone ([site] timezone, daylight saving followed) when given, else
    // the fixed UTC + utc_offset_min.
    std::optional<TimeZone> time_zone;
    int utc_offset_min = 0;

    static const Settings<ScheduleSettings>& settings();  // defaults and ranges
    static const KeyTable& keys();
    // time_zone: the site's zone, loaded by the config layer (nullopt: utc_offset_min).
    static ScheduleSettings from(const Options& options,
                                 const std::optional<TimeZone>& time_zone = std::nullopt);
    // Local time minus UTC at an instant, in seconds.
    std::int64_t offset_s_at(std::int64_t unix_s) const;
    // The instant a local wall-clock time happens (TimeZone::unix_s_of_local).
    std::int64_t unix_s_of_local(std::int64_t local_s) const;
};

// The first window that contains now, or null.
const ScheduleWindow* window_at(const ScheduleSettings& settings, TimePoint now);

// The earliest start of any window after now and no later than now + within (minute
// resolution), or nullopt. For looking ahead (a heat zone pre-heating before comfort).
std::optional<TimePoint> next_window_start(const ScheduleSettings& settings, TimePoint now,
                                           Duration within);

class SchedulePolicy final : public Policy, public IntentSource {
public:
    explicit SchedulePolicy(ScheduleSettings settings) : settings_(std::move(settings)) {}
    static constexpr Precedence kPrecedence = Precedence::planned_override;
    std::string_view name() const override { return "schedule"; }
    Precedence precedence() const override { return kPrecedence; }
    // Alone (use = "schedule"): the window that applies, or every miner paused outside them.
    Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const override;
    // The first window that contains now.
    std::optional<Intent> intent(const SiteSnapshot& snapshot) const override;

private:
    ScheduleSettings settings_;
};

}  // namespace hashsink::policies
