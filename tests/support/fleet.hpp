// Builders for snapshots and miners in unit tests of the pure core.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "daemon/core/snapshot.hpp"

namespace hashsink::test {

// A Bitaxe-like ladder: n levels from low_w to high_w, hashrate rising slower than power.
MinerCaps ladder_caps(double low_w, double high_w, int n, bool can_pause = true);
MinerView online_miner(const std::string& id, MinerCaps caps, double measured_w = 0);
SiteSnapshot snapshot_with_grid(TimePoint now, double grid_w, std::vector<MinerView> miners);
// A random fleet of n miners (deterministic for a given generator).
std::vector<MinerView> random_fleet(std::mt19937& rng, int n);

}  // namespace hashsink::test
