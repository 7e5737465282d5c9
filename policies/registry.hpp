// Policies by name: each declares its keys and builds a Policy from validated options.
// A new policy is a new directory under policies/ plus one line in registry.cpp.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/options.hpp"
#include "daemon/core/policy.hpp"

namespace hashsink::policies {

struct PolicyType {
    std::string name;
    std::string summary;
    KeyTable keys;
    std::function<std::unique_ptr<Policy>(const Options& options)> make;
};

const std::vector<PolicyType>& policy_types();
const PolicyType* find_policy_type(const std::string& name);

}  // namespace hashsink::policies
