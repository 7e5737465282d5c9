// Builders for snapshots and miners in unit tests of the pure core.
#pragma once

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/snapshot.hpp"

namespace hashsink::test {

// The policy tests' start of time: 2027-01-15 08:00:00 UTC.
inline const TimePoint kT0{std::chrono::seconds{1'800'000'000}};
// 2027-01-04 00:00:00 UTC, a Monday, for schedules by weekday.
inline const TimePoint kMonday{std::chrono::seconds{1'799'020'800}};

// Sets reading `name` of `s` to `value`, taken `age` before s.now and fresh for `max_age`.
inline void put(SiteSnapshot& s, std::string_view name, double value, Duration age = Duration{0},
                Duration max_age = Duration{5000}) {
    s.readings[std::string(name)] = Reading{value, s.now - age, max_age, "test"};
}

// A Bitaxe-like ladder: n levels from low_w to high_w, hashrate rising slower than power.
MinerCaps ladder_caps(double low_w, double high_w, int n, bool can_pause = true);
MinerView online_miner(const std::string& id, MinerCaps caps, double measured_w = 0);
SiteSnapshot snapshot_with_grid(TimePoint now, double grid_w, std::vector<MinerView> miners);
// The same, with the inverter reporting `state` (throttled: it holds the grid at grid_w).
SiteSnapshot snapshot_with_inverter(TimePoint now, double grid_w, InverterState state,
                                    std::vector<MinerView> miners);
// n Bitaxe-like miners "m0".."m<n-1>", each a ladder of 5 levels from 10 to 30 W: a fleet
// fine enough that closed-loop tests can follow a surplus closely.
std::vector<MinerView> small_ladder_fleet(int n);
// A random fleet of n miners (deterministic for a given generator).
std::vector<MinerView> random_fleet(std::mt19937& rng, int n);

}  // namespace hashsink::test
