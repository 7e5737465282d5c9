#include "policies/registry.hpp"

#include "policies/solar_surplus/solar_surplus.hpp"

namespace hashsink::policies {

const std::vector<PolicyType>& policy_types() {
    static const std::vector<PolicyType> all = {
        {"solar_surplus", "mine what the site would export, never import",
         SolarSurplusSettings::keys(),
         [](const Options& o) -> std::unique_ptr<Policy> {
             return std::make_unique<SolarSurplusPolicy>(SolarSurplusSettings::from(o));
         }},
    };
    return all;
}

const PolicyType* find_policy_type(const std::string& name) {
    for (const auto& t : policy_types())
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace hashsink::policies
