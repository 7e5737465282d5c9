// Governor: the safety layer between the allocator and the hardware, and the only code that may
// change a decision. Pure: a function of the proposal, the snapshot and the limits.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/snapshot.hpp"

namespace hashsink::loop {

enum class SafeState { paused, minimum };

struct SiteLimits {
    double max_draw_w = 0;          // the whole fleet's planned draw; 0 = no limit
    // An outside manager's limit on the same (site_limit.hpp), under max_draw_w; 0 = all off.
    std::optional<double> command_limit_w;
    SafeState safe_state = SafeState::paused;
    Duration min_dwell{30'000};     // after a change, before a miner may take more load
    double ramp_up_w_per_s = 0;     // added load per second across the fleet; 0 = unlimited
    // Removed load per second across the fleet, 0 = unlimited: generators dislike sudden load
    // drops. Never applies to a shed or the safe state, nor to max_draw_w; a commanded limit is
    // reached at this rate. A miner whose planned decrease does not fit steps down one level
    // instead; a level larger than a tick's whole allowance is the only removal of its tick.
    double ramp_down_w_per_s = 0;
    Duration period{1000};  // the time a tick covers, to turn the ramp into watts per tick
};

// The lowest of max_draw_w and the command limit; nullopt: no limit.
std::optional<double> draw_limit_w(const SiteLimits& limits);

struct GovernedTarget {
    MinerTarget target;
    std::string reason;             // why this target: shown per miner on the status page
    bool changed = false;           // differs from what the miner was last told
};

// What the policy asked for, as the governor needs it.
struct GovernInput {
    bool fail_safe = false;         // the policy could not decide: safe state
    bool shed = false;              // the site imports: load must come off now
    std::string fail_reason;
    // Ramp allowance carried from the previous tick's Governed::ramp_credit_w. Without it
    // every tick gets only its own ramp_up_w_per_s x period, and a miner whose smallest start
    // is larger never starts.
    double ramp_credit_w = 0;
    // Per-miner floors (Decision::miner_floor_w): the site limit trims miners without one
    // first, so heat a zone needs goes last.
    const std::map<std::string, double>* floor_w = nullptr;
};

struct Governed {
    std::vector<GovernedTarget> targets;  // one per snapshot miner, same order
    double ramp_credit_w = 0;             // the ramp allowance to carry to the next tick
};

// proposed: one target per snapshot miner (same order).
Governed govern(const std::vector<MinerTarget>& proposed, const SiteSnapshot& snapshot,
                const SiteLimits& limits, const GovernInput& input);

// Every miner's current target, for a decision that holds (a policy's dead band). Offline
// miners are paused in the plan, since nothing they were told can be trusted.
std::vector<MinerTarget> current_targets(const SiteSnapshot& snapshot);

// The target a miner is put in when inputs are missing or stale.
MinerTarget safe_target(const MinerView& miner, SafeState state);

}  // namespace hashsink::loop
