#include "policies/common/intent.hpp"

#include "policies/common/policy_util.hpp"

namespace hashsink::policies {

Decision intent_decision(const Intent& intent, const SiteSnapshot& snap, std::string policy) {
    Decision d;
    d.policy = std::move(policy);
    d.reason = intent.reason;
    switch (intent.mode) {
        case Intent::Mode::off:
            d.budget_w = 0;
            d.shed = true;
            for (const auto& m : snap.miners) d.miner_ceiling_w[m.id] = 0;
            break;
        case Intent::Mode::min:
            for (const auto& m : snap.miners) {
                auto levels = usable_levels(m);
                if (!m.state_fresh || levels.empty()) continue;
                d.miner_ceiling_w[m.id] = levels.front().power_w;
                // Room for each start: the allocator's start margin must never be what stops
                // one, and the ceilings keep every miner at its lowest level anyway.
                d.budget_w += levels.back().power_w;
            }
            break;
        case Intent::Mode::max:
            d.budget_w = fleet_max_w(snap);
            break;
        case Intent::Mode::cap:
            d.budget_w = std::min(intent.cap_w, fleet_max_w(snap));
            break;
    }
    return d;
}

Decision intent_or_paused(const IntentSource& source, const SiteSnapshot& snap, std::string policy,
                          std::string paused_why) {
    std::optional<Intent> i = source.intent(snap);
    if (!i) {
        i = Intent{};
        i->reason = std::move(paused_why);
    }
    return intent_decision(*i, snap, std::move(policy));
}

}  // namespace hashsink::policies
