// Pure Vnish decoding (xminer-api /api/v1): presets to levels, /summary to the normalised state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/core/miner.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::miners::vnish {

struct Preset {
    std::string name;          // watts as text, e.g. "3200"
    double watts = 0;
    double hashrate_ths = 0;   // from "pretty": "3200 watt ~ 95 TH"
    bool tuned = false;
};

// GET /autotune/presets: every preset whose name is a wattage, sorted by watts.
Result<std::vector<Preset>> decode_presets(const nlohmann::json& list);

// "1.3.4" >= 1.3: POST /mining/throttle exists.
bool has_throttle(const std::string& fw_version);

// Levels: the tuned presets (only those take effect), plus throttled points of the lowest one
// (50 % and 75 %) when the firmware can throttle. The matching throttle percent per level is
// returned in `throttle_pct` (100 for a plain preset).
MinerCaps build_caps(const std::vector<Preset>& presets, bool throttle,
                     std::vector<int>* throttle_pct, std::vector<std::string>* preset_names);

double idle_power_estimate_w(double top_w);   // 1 %, at least 15 W

// /summary (+ /info for model and firmware).
MinerState decode_state(const nlohmann::json& summary, const nlohmann::json& info);

// perf-summary current_preset.name ("disabled" when none).
std::string current_preset(const nlohmann::json& perf_summary);

}  // namespace hashsink::miners::vnish
