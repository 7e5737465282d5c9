// Layered: several policies composed with a fixed precedence. See README.md beside this file.
//   1. safety: the governor (limits, safe state), and any layer's fail-safe or emergency shed;
//   2. manual override;
//   3. schedule windows;
//   4. the site's physical limits (solar_surplus, genset_follow, external): the tightest wins;
//   5. heat (heat_demand): per-miner heat floors the budget always covers, zone ceilings;
//   6. economics: per-miner ceilings inside what the layers above allow; below a heat floor
//      only in zones with below_floor_allowed.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "daemon/core/options.hpp"
#include "daemon/core/policy.hpp"

namespace hashsink::policies {

class LayeredPolicy final : public Policy {
public:
    // Layers by name (any order: the precedence is fixed by their kind).
    explicit LayeredPolicy(std::vector<std::unique_ptr<Policy>> layers);
    std::string_view name() const override { return "layered"; }
    Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const override;

    static const KeyTable& keys();   // `layers`; its choices are filled by the registry

private:
    std::vector<std::unique_ptr<Policy>> layers_;
};

}  // namespace hashsink::policies
