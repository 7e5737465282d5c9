// Pure Braiins OS REST decoding (API 1.x, BOS 25.07+): bodies to capabilities and the
// normalised state. No I/O, so recorded responses test it directly.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/core/miner.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::miners::braiins {

// GET /miner/details `status` (MinerStatus in the API).
enum class BosStatus { unspecified = 0, not_started = 1, normal = 2, paused = 3, suspended = 4,
                       restricted = 5 };

// Power-target range from GET /configuration/constraints (tuner_constraints.power_target).
struct PowerRange {
    double min_w = 0, default_w = 0, max_w = 0;
};
Result<PowerRange> decode_power_range(const nlohmann::json& constraints);

// Levels min / default / max, continuous, with hashrate scaled from the sticker hashrate
// (details.sticker_hashrate) at the default target.
MinerCaps build_caps(const PowerRange& range, const nlohmann::json& details, double step_w);

// Draw while paused: control board and fans, 1 % of the default target, at least 20 W.
double idle_power_estimate_w(double default_w);

// The target the tuner works towards (tuner-state mode_state.powertargetmodestate).
std::optional<double> current_power_target_w(const nlohmann::json& tuner_state);

struct Bodies {
    nlohmann::json details, stats, cooling, tuner, hashboards;   // any may be null
};
MinerState decode_state(const Bodies& b);

}  // namespace hashsink::miners::braiins
