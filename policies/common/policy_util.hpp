// Small helpers the policies share: formatting, timers in their states, fleet arithmetic.
// Pure like the policies themselves.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/core/policy.hpp"

namespace hashsink::policies {

// One number by a printf format ("%.1f °C"), at most 31 characters.
std::string fmt(const char* format, double v);
std::string fmt_w(double w);
std::string fmt_s(double s);
double seconds(Duration d);
double now_ms(const SiteSnapshot& s);

// A time as Unix ms (as the states keep times), or `fallback` for none.
double ms_of(const std::optional<TimePoint>& t, double fallback = 0);
// The time at a Unix ms figure, rounded up to a whole ms (a deadline computed in ms).
TimePoint at_ms(double ms);

// Seconds a condition has held, keeping its start in `since` (reset while it does not hold).
double held_for_s(std::optional<TimePoint>& since, bool condition, TimePoint now);

// The inverter says it throttles (pv.state THROTTLED, or pv.limit_active).
bool inverter_throttled(const SiteSnapshot& s);

// Levels a miner may use under the installer's per-miner limits (as the allocator sees them).
std::vector<PowerLevel> usable_levels(const MinerView& m);

// Sum of the running targets of the online miners: the load the fleet is told to draw.
double planned_w(const SiteSnapshot& s);

// The smallest load one allocator step can add: starting a paused online miner at its lowest
// level (plus start_margin_w) or raising a running one a level. Infinity when nothing can grow.
double smallest_increment_w(const SiteSnapshot& s, double start_margin_w);

// The most the online fleet can draw.
double fleet_max_w(const SiteSnapshot& s);

}  // namespace hashsink::policies
