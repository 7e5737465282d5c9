// External: the budget comes from another process (Node-RED, Home Assistant, a script) that
// answers each published snapshot over MQTT. The policy only judges the latest answer the
// bridge carried into the snapshot: fresh and sane -> its budget and ceilings; otherwise the
// safe state, with the reason. See README.md beside this file for the contract.
#pragma once

#include "daemon/core/policy.hpp"
#include "daemon/core/settings.hpp"
#include "policies/common/policy_with.hpp"

namespace hashsink::policies {

struct ExternalSettings {
    // An answer counts while the snapshot it answers is at most this old.
    Duration deadline{};

    static const Settings<ExternalSettings>& settings();  // defaults and ranges
    static const KeyTable& keys();   // the policy's own keys; the bridge adds its broker keys
    static ExternalSettings from(const Options& options);
};

// Stateless: the bridge keeps what it needs.
class ExternalPolicy final : public PolicyWith<Precedence::physical_limit, ExternalSettings> {
public:
    explicit ExternalPolicy(ExternalSettings settings) : PolicyWith(std::move(settings)) {}
    std::string_view name() const override { return "external"; }
    Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const override;
};

}  // namespace hashsink::policies
