#include "policies/registry.hpp"

namespace hashsink::policies {

const std::vector<PolicyType>& policy_types() {
    static const std::vector<PolicyType> all = {
    };
    return all;
}

const PolicyType* find_policy_type(const std::string& name) {
    for (const auto& t : policy_types())
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace hashsink::policies
