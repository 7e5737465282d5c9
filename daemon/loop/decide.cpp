#include "daemon/loop/decide.hpp"

namespace hashsink::loop {

TickDecision decide_tick(const Policy& policy, const SiteSnapshot& snap,
                         const PolicyMemory& memory, const SiteLimits& limits,
                         const AllocateOptions& allocate_options, double ramp_credit_w) {
    TickDecision out;
    out.decision = policy.decide(snap, memory);
    const Decision& d = out.decision;
    AllocateOptions options = allocate_options;
    options.ceiling_w = &d.miner_ceiling_w;   // per-miner ceilings (economics, manual min)
    options.floor_w = &d.miner_floor_w;       // per-miner floors (heat a zone needs)
    std::vector<MinerTarget> proposal =
        d.hold ? current_targets(snap) : allocate(d.budget_w, snap.miners, options).targets;
    Governed g = govern(proposal, snap, limits,
                        {.fail_safe = d.fail_safe, .shed = d.shed || d.emergency,
                         .fail_reason = d.reason, .ramp_credit_w = ramp_credit_w,
                         .floor_w = &d.miner_floor_w});
    out.governed = std::move(g.targets);
    out.ramp_credit_w = g.ramp_credit_w;
    return out;
}

}  // namespace hashsink::loop
