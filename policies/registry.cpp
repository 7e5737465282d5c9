#include "policies/registry.hpp"

#include "policies/economics/economics.hpp"
#include "policies/genset_follow/genset_follow.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"

namespace hashsink::policies {

const std::vector<PolicyType>& policy_types() {
    static const std::vector<PolicyType> all = {
        {"solar_surplus", "mine what the site would export, never import",
         SolarSurplusSettings::keys(),
         [](const Options& o) -> std::unique_ptr<Policy> {
             return std::make_unique<SolarSurplusPolicy>(SolarSurplusSettings::from(o));
         }},
        {"genset_follow", "hold an islanded generator inside a load band, shed on dips and alarms",
         GensetFollowSettings::keys(),
         [](const Options& o) -> std::unique_ptr<Policy> {
             return std::make_unique<GensetFollowPolicy>(GensetFollowSettings::from(o));
         }},
        {"economics", "run the miners whose hash is worth more than their energy",
         EconomicsSettings::keys(),
         [](const Options& o) -> std::unique_ptr<Policy> {
             return std::make_unique<EconomicsPolicy>(EconomicsSettings::from(o));
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
