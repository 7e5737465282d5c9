// Manual override: an operator's off, min or max with an expiry, set at run time (web page,
// MQTT) through ControlLoop::set_override and carried in the snapshot. See README.md.
#pragma once

#include "daemon/core/options.hpp"
#include "policies/common/intent.hpp"

namespace hashsink::policies {

class ManualPolicy final : public Policy, public IntentSource {
public:
    static constexpr Precedence kPrecedence = Precedence::operator_override;
    std::string_view name() const override { return "manual"; }
    Precedence precedence() const override { return kPrecedence; }
    // Alone (use = "manual"): the override, or every miner paused when none is set.
    Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const override;
    std::optional<Intent> intent(const SiteSnapshot& snapshot) const override;

    static const KeyTable& keys();
};

}  // namespace hashsink::policies
