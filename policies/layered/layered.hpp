// Layered: several policies composed by the precedence each declares (Policy::precedence). See
// README.md beside this file.
//   1. safety: the governor (limits, safe state), and any layer's fail-safe or emergency shed;
//   2. an operator override now (manual);
//   3. a planned override (schedule windows);
//   4. the site's physical limits (solar_surplus, genset_follow, external): the tightest wins;
//   5. heat floors (heat_demand): per-miner floors the budget always covers, zone ceilings;
//   6. the valuation (economics): per-miner ceilings inside what the layers above allow; below
//      a heat floor only in zones with below_floor_allowed.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "daemon/core/policy.hpp"
#include "daemon/core/settings.hpp"
#include "policies/common/state.hpp"

namespace hashsink::policies {

// Each layer's own state, by the layer's name (journalled, see policies/common/state.hpp).
struct LayeredSettings {
    std::vector<std::string> layers;  // policy names, in any order

    // `layers`; its choices are filled by the registry.
    static const Settings<LayeredSettings>& settings();
    static const KeyTable& keys();
    static LayeredSettings from(const Options& options);
};

struct LayeredState {
    std::map<std::string, PolicyMemory> layers;

    static constexpr int kVersion = 1;
    static constexpr auto fields() { return std::tuple{field("layers", &LayeredState::layers)}; }
    bool operator==(const LayeredState&) const = default;
};

class LayeredPolicy final : public Policy {
public:
    // Layers in any order: they are ranked by the precedence each declares.
    explicit LayeredPolicy(std::vector<std::unique_ptr<Policy>> layers);
    static constexpr Precedence kPrecedence = Precedence::standalone;
    std::string_view name() const override { return "layered"; }
    Precedence precedence() const override { return kPrecedence; }
    Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const override;
    // Each layer's state restored by the layer itself.
    PolicyMemory restore(std::string_view json) const override;

private:
    std::vector<std::unique_ptr<Policy>> layers_;
};

}  // namespace hashsink::policies
