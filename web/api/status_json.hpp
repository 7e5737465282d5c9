// The status as JSON: GET /api/status.
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/loop/status.hpp"

namespace hashsink::web {

nlohmann::json status_json(const loop::LoopStatus& status, TimePoint now);
nlohmann::json target_json(const MinerTarget& target);

}  // namespace hashsink::web
