// Policies by name: each declares its keys and builds a Policy from validated options.
// A new policy is a new directory under policies/ plus one line in registry.cpp.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/options.hpp"
#include "daemon/core/policy.hpp"
#include "daemon/core/time_zone.hpp"

namespace hashsink::policies {

struct PolicyType {
    std::string name;
    std::string summary;
    // Where it stands among the layers of a composed policy (the policy class's kPrecedence);
    // standalone: it cannot be a layer.
    Precedence precedence = Precedence::standalone;
    KeyTable keys;
    // time_zone: the site's ([site] timezone), for policies that read local time; nullopt when
    // not given (they then use their fixed utc_offset_min).
    std::function<std::unique_ptr<Policy>(const Options& options,
                                          const std::optional<TimeZone>& time_zone)>
        make;
};

const std::vector<PolicyType>& policy_types();
const PolicyType* find_policy_type(const std::string& name);

// The policy `use`, built from the [policy.<name>] tables (SiteConfig::policy_tables; absent
// tables mean defaults). A layered policy builds each of its layers from its own table. Null
// when `use` is unknown. time_zone: the site's, loaded by the config layer (SiteConfig).
std::unique_ptr<Policy> make_policy(const std::string& use,
                                    const std::map<std::string, Options>& tables,
                                    const std::optional<TimeZone>& time_zone = std::nullopt);

}  // namespace hashsink::policies
