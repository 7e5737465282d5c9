// One tick's decision as a pure function: policy, then allocator (or hold), then governor. The
// control loop and the simulator both call it, so a simulated day runs exactly the daemon's code.
#pragma once

#include <string>
#include <vector>

#include "daemon/core/policy.hpp"
#include "daemon/loop/allocator.hpp"
#include "daemon/loop/governor.hpp"

namespace hashsink::loop {

struct TickDecision {
    Decision decision;                      // what the policy said (with its next memory)
    std::vector<GovernedTarget> governed;   // one per snapshot miner, same order
    double ramp_credit_w = 0;               // the governor's ramp allowance for the next tick
};

// Operators' per-miner commands (snapshot.miner_commands) as ceilings and floors on top of the
// policy's: held or off is a ceiling of 0; min and max pin the miner at its lowest or highest
// allowed level, whatever the budget, as a floor. The governor still applies every site limit
// to them (max_draw_w, ramps, dwell, the safe state); in an emergency no floor is added.
void apply_miner_commands(const SiteSnapshot& snapshot, Decision& decision);
// An outside manager's site limit (limits.command_limit_w) as a cap on the budget; the
// governor holds the plan to it too.
void apply_command_limit(const SiteLimits& limits, Decision& decision);

// limits.period is the time this tick covers (the ramp limit is per tick). ramp_credit_w is
// the previous tick's TickDecision::ramp_credit_w (see GovernInput).
TickDecision decide_tick(const Policy& policy, const SiteSnapshot& snapshot,
                         const PolicyMemory& memory, const SiteLimits& limits,
                         const AllocateOptions& allocate_options, double ramp_credit_w = 0);

}  // namespace hashsink::loop
