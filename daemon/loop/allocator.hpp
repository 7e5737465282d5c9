// Allocator: turns a site power budget into per-miner targets. Pure and deterministic.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "daemon/core/snapshot.hpp"

namespace hashsink::loop {

struct Allocation {
    std::vector<MinerTarget> targets;   // one per snapshot miner, same order
    double planned_w = 0;               // sum of the running targets' power
};

// Whether a level is within the installer's per-miner limits (max_power_w, min_power_w).
bool within_limits(const MinerView& miner, const PowerLevel& level);
// Levels a miner may use once the installer's per-miner limits are applied; empty when none fits.
std::vector<PowerLevel> allowed_levels(const MinerView& miner);

// A target that runs `miner` at `level` of its allowed levels.
MinerTarget run_at(const MinerView& miner, const std::vector<PowerLevel>& levels, std::size_t level);
// A target that runs `miner` at caps.levels[index], naming that index.
MinerTarget run_at_index(const MinerView& miner, std::size_t index);
// The last index in caps.levels holding the same level as caps.levels[index]: the index a target
// names, so that equal levels always give equal targets.
std::size_t last_equal_index(const MinerView& miner, std::size_t index);
MinerTarget paused_target();

struct AllocateOptions {
    std::vector<std::string> priority;  // miner ids served first, in order
    double start_margin_w = 0;          // a paused miner starts only with this much to spare...
    double start_margin_pct = 0;        // ...or this % of its lowest level, if that is more
    // Per-miner ceilings by id (Decision::miner_ceiling_w), W; null or no entry: none. Levels
    // above a miner's ceiling are not used; a miner whose lowest level is above it stays paused.
    const std::map<std::string, double>* ceiling_w = nullptr;
    // Per-miner floors by id (Decision::miner_floor_w), W; null or no entry: none. A miner with
    // a floor is planned first, whatever the budget, at the lowest allowed level reaching it
    // (a continuous-target miner at the floor itself), never above its allowed levels; the
    // budget left is then shared as usual, and may raise it further.
    const std::map<std::string, double>* floor_w = nullptr;
};

// Fills the budget greedily: first plans the floors, then starts miners at their lowest level (miners already running
// first, then `priority` order, then the most efficient), then raises whichever miner gains the
// most hashrate per extra watt, one level at a time, while the budget allows. Offline miners get
// a paused target.
Allocation allocate(double budget_w, const std::vector<MinerView>& miners,
                    const AllocateOptions& options = {});

}  // namespace hashsink::loop
