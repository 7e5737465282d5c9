// Small helpers the policies share: formatting, timers in PolicyMemory, fleet arithmetic.
// Pure like the policies themselves.
#pragma once

#include <string>
#include <vector>

#include "daemon/core/policy.hpp"

namespace hashsink::policies {

std::string fmt_w(double w);
std::string fmt_s(double s);
double seconds(Duration d);
double now_ms(const SiteSnapshot& s);

// Seconds a condition has held, keeping its start marker (Unix ms) in memory under `key`.
double held_for_s(PolicyMemory& mem, const std::string& key, bool condition, TimePoint now);

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
