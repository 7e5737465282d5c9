// Pure LuxOS decoding: cgminer-style replies (profiles, config, summary, power, temps, fans) to
// capabilities and the normalised state. No I/O, so recorded replies test it directly.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/core/miner.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::miners::luxos {

struct Profile {
    std::string name;         // "290MHz", "default"
    double frequency_mhz = 0;
    double hashrate_ths = 0;
    double watts = 0;
    double voltage_v = 0;
    int step = 0;             // 0 is stock, > 0 overclock
};

// PROFILES[] sorted by watts (ties by frequency). Protocol error when none is usable.
Result<std::vector<Profile>> decode_profiles(const nlohmann::json& reply);

// Levels from the profiles (overclock ones only with allow_overclock), nominal = "default" (or
// step 0), can_pause (curtail), idle estimate.
MinerCaps build_caps(const std::vector<Profile>& profiles, bool allow_overclock);
// Profiles as listed in caps.levels (same order), for mapping a level back to a name.
std::vector<Profile> usable_profiles(const std::vector<Profile>& profiles, bool allow_overclock);

// Sleep draw estimate: control board and fans at idle, 1 % of stock power, at least 15 W.
double idle_power_estimate_w(double stock_w);

// The replies a read gathers; any may be null when that command failed.
struct Replies {
    nlohmann::json config, summary, power, temps, fans, version;
};
// State from the replies (caps left empty, driver "luxos").
MinerState decode_state(const Replies& r);

}  // namespace hashsink::miners::luxos
