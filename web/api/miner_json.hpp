// JSON views of the core miner types, shared by `status`, `probe miner` and the web page.
// Optional values that are absent are null, never 0.
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/core/miner.hpp"

namespace hashsink {

// Found by nlohmann through ADL: `nlohmann::json j = state;` works.
void to_json(nlohmann::json& j, const PowerLevel& level);
void to_json(nlohmann::json& j, const MinerCaps& caps);
void to_json(nlohmann::json& j, const MinerState& state);

}  // namespace hashsink

namespace hashsink::miners {

inline nlohmann::json caps_json(const MinerCaps& caps) { return caps; }
inline nlohmann::json state_json(const MinerState& state) { return state; }

}  // namespace hashsink::miners
