// Miners as the core sees them: capabilities (data), normalised state, targets, and the driver
// interface every firmware family implements.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/result.hpp"

namespace hashsink {

// One operating point a miner can be put in. Power is what the driver expects it to draw.
struct PowerLevel {
    double power_w = 0;
    double hashrate_ths = 0;
    std::optional<double> frequency_mhz;
    std::optional<double> core_voltage_mv;

    bool operator==(const PowerLevel&) const = default;
};

struct MinerCaps {
    // Discrete operating points, ascending by power. A firmware with a continuous watt target
    // still lists its range as levels (min, nominal, max) and sets continuous_power.
    std::vector<PowerLevel> levels;
    std::size_t nominal_level = 0;          // index of the stock operating point
    bool continuous_power = false;          // accepts any watt target within the range
    double power_step_w = 0;                // granularity of a continuous target
    bool can_pause = false;                 // can stop hashing without losing the network
    double idle_power_w = 0;                // draw while paused
    std::vector<double> frequency_options_mhz;
    std::vector<double> voltage_options_mv;

    double min_power_w() const { return levels.empty() ? 0 : levels.front().power_w; }
    double max_power_w() const { return levels.empty() ? 0 : levels.back().power_w; }
    double nominal_power_w() const {
        return levels.empty() ? 0 : levels[std::min(nominal_level, levels.size() - 1)].power_w;
    }
    bool operator==(const MinerCaps&) const = default;
};

enum class MinerRunState { mining, paused, overheated, offline, error };
const char* to_string(MinerRunState s) noexcept;

// The normalised state every driver reports, whatever its firmware.
struct MinerState {
    std::string driver;
    std::string model;
    std::string firmware;
    bool online = false;
    MinerRunState state = MinerRunState::offline;
    std::optional<double> hashrate_ths;
    std::optional<double> power_w;
    std::optional<double> frequency_mhz;
    std::optional<double> core_voltage_mv;
    std::optional<double> chip_temp_c;
    std::optional<double> vr_temp_c;
    std::optional<double> fan_rpm;
    std::string detail;     // e.g. a firmware fault string
    MinerCaps caps;
};

// What the control loop wants a miner to do. Idempotent: applying the same target twice is a
// no-op for the device.
struct MinerTarget {
    bool run = false;                       // false: paused (or minimum, if it cannot pause)
    double power_w = 0;                     // expected draw
    std::optional<std::size_t> level;       // index into caps.levels, when discrete
    std::optional<double> frequency_mhz;
    std::optional<double> core_voltage_mv;

    bool operator==(const MinerTarget&) const = default;
};

class MinerDriver {
public:
    virtual ~MinerDriver() = default;
    virtual std::string_view driver_name() const = 0;
    // Reads what the device can do. Called on start and after the device was offline.
    virtual Result<MinerCaps> probe() noexcept = 0;
    virtual Result<MinerState> read_state() noexcept = 0;
    // Puts the device in the target and verifies it by reading back.
    virtual Status apply(const MinerTarget& target) noexcept = 0;
};

}  // namespace hashsink
