#include "daemon/loop/decide.hpp"

#include <cstdio>

namespace hashsink::loop {
namespace {

// A policy that holds keeps every target, but not against a command: a commanded miner takes
// the target its ceiling and floor give it (paused, or pinned at its floor's level).
void hold_commanded(const SiteSnapshot& snap, const Decision& d, std::vector<MinerTarget>& plan) {
    for (const auto& [id, command] : snap.miner_commands) {
        for (std::size_t i = 0; i < snap.miners.size(); ++i) {
            const MinerView& m = snap.miners[i];
            if (m.id != id || !m.state_fresh) continue;
            auto ceiling = d.miner_ceiling_w.find(id);
            auto floor = d.miner_floor_w.find(id);
            if (ceiling != d.miner_ceiling_w.end() && ceiling->second <= 0) {
                plan[i] = paused_target();
            } else if (floor != d.miner_floor_w.end()) {
                const std::vector<PowerLevel> levels = allowed_levels(m);
                std::size_t k = 0;
                while (k + 1 < levels.size() && levels[k].power_w < floor->second - 1e-9) ++k;
                if (!levels.empty()) plan[i] = run_at(m, levels, k);
            }
        }
    }
}

}  // namespace

void apply_miner_commands(const SiteSnapshot& snap, Decision& d) {
    if (snap.miner_commands.empty()) return;
    for (const MinerView& m : snap.miners) {
        auto it = snap.miner_commands.find(m.id);
        if (it == snap.miner_commands.end()) continue;
        const MinerCommand& c = it->second;
        std::string what;
        if (!c.enabled || (c.manual && c.manual->mode == ManualOverride::Mode::off)) {
            d.miner_ceiling_w[m.id] = 0;
            d.miner_floor_w.erase(m.id);
            what = c.enabled ? "override off" : "disabled";
        } else if (c.manual) {
            const std::vector<PowerLevel> levels = allowed_levels(m);
            if (levels.empty()) continue;
            const bool min = c.manual->mode == ManualOverride::Mode::min;
            const double w = min ? levels.front().power_w : levels.back().power_w;
            d.miner_ceiling_w[m.id] = w;
            if (d.emergency)
                d.miner_floor_w.erase(m.id);
            else
                d.miner_floor_w[m.id] = w;
            what = std::string("override ") + to_string(c.manual->mode);
        } else {
            continue;
        }
        d.reason += (d.reason.empty() ? "" : "; ") + m.id + ": " + what;
    }
}

void apply_command_limit(const SiteLimits& limits, Decision& d) {
    if (!limits.command_limit_w || d.budget_w <= *limits.command_limit_w) return;
    // The allocator plans within it, rather than the governor trimming miner by miner.
    d.budget_w = *limits.command_limit_w;
    char text[64];
    std::snprintf(text, sizeof text, "budget cut to the commanded site limit %.0f W",
                  *limits.command_limit_w);
    d.reason += (d.reason.empty() ? "" : "; ") + std::string(text);
}

TickDecision decide_tick(const Policy& policy, const SiteSnapshot& snap,
                         const PolicyMemory& memory, const SiteLimits& limits,
                         const AllocateOptions& allocate_options, double ramp_credit_w) {
    TickDecision out;
    out.decision = policy.decide(snap, memory);
    apply_miner_commands(snap, out.decision);
    apply_command_limit(limits, out.decision);
    const Decision& d = out.decision;
    AllocateOptions options = allocate_options;
    options.ceiling_w = &d.miner_ceiling_w;   // per-miner ceilings (economics, manual min)
    options.floor_w = &d.miner_floor_w;       // per-miner floors (heat a zone needs)
    std::vector<MinerTarget> proposal =
        d.hold ? current_targets(snap) : allocate(d.budget_w, snap.miners, options).targets;
    if (d.hold) hold_commanded(snap, d, proposal);
    Governed g = govern(proposal, snap, limits,
                        {.fail_safe = d.fail_safe, .shed = d.shed || d.emergency,
                         .fail_reason = d.reason, .ramp_credit_w = ramp_credit_w,
                         .floor_w = &d.miner_floor_w});
    out.governed = std::move(g.targets);
    out.ramp_credit_w = g.ramp_credit_w;
    return out;
}

}  // namespace hashsink::loop
