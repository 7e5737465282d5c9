// The shape the configured policies share: their settings, their declared precedence among
// layers and, for those that keep state between ticks, the restore of its journalled JSON.
#pragma once

#include <string_view>
#include <type_traits>
#include <utility>

#include "daemon/core/policy.hpp"
#include "policies/common/state.hpp"

namespace hashsink::policies {

template <Precedence P, class Settings, class State = void>
class PolicyWith : public Policy {
public:
    static constexpr Precedence kPrecedence = P;

    explicit PolicyWith(Settings settings) : settings_(std::move(settings)) {}
    Precedence precedence() const final { return P; }
    PolicyMemory restore(std::string_view json) const final {
        if constexpr (std::is_void_v<State>)
            return {};
        else
            return restore_state<State>(json);
    }
    const Settings& settings() const { return settings_; }

protected:
    Settings settings_;
};

}  // namespace hashsink::policies
