// Pure AxeOS (ESP-Miner) decoding: JSON bodies to normalised state and capabilities, and the
// clamping rules for writes. No I/O, so it is unit-tested against recorded responses.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon/core/miner.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::miners::axeos {

// What /api/system/asic says (or what we guessed when the firmware predates it).
struct AsicOptions {
    std::string asic_model;
    std::string device_model;
    int asic_count = 1;
    double default_frequency_mhz = 0;
    double default_voltage_mv = 0;
    std::vector<double> frequency_options_mhz;   // ascending, unique
    std::vector<double> voltage_options_mv;      // ascending, unique
    bool estimated = false;                      // true: no /api/system/asic, options guessed
};

struct FirmwareVersion {
    int major = 0, minor = 0, patch = 0;
    auto operator<=>(const FirmwareVersion&) const = default;
};

// Pause/resume arrived in v2.14.0.
inline constexpr FirmwareVersion kPauseSince{2, 14, 0};

// "v2.14.0", "2.12.2", "v2.14.0b4", "v2.9.0-dirty": nullopt when no major.minor is found.
std::optional<FirmwareVersion> parse_version(std::string_view text);

// Parses a body that must be a JSON object; protocol error naming `what` otherwise.
Result<nlohmann::json> parse_object(std::string_view body, std::string_view what);


// /api/system/asic. Protocol error when the options are missing or unusable.
Result<AsicOptions> decode_asic(const nlohmann::json& asic);
// Options for firmware without /api/system/asic: the current setting as stock, a few steps
// below it (25 MHz, 50 mV), nothing above.
AsicOptions fallback_asic_options(const nlohmann::json& info);

// True when the firmware has /api/system/pause.
bool firmware_can_pause(const nlohmann::json& info);

// Idle draw while paused (ESP32, regulator, fan, display): 6 % of the board's maxPower, at
// least 1.5 W. Estimate; the emulator uses the same figure.
double idle_power_estimate_w(double max_power_w);

// Levels, options and pause support from info and the ASIC options.
MinerCaps build_caps(const nlohmann::json& info, const AsicOptions& asic, bool allow_overclock);

// The normalised state from /api/system/info (caps left empty, driver "axeos").
MinerState decode_state(const nlohmann::json& info, const AsicOptions* asic);

// The largest option not above value (the smallest option when value is below all of them).
// Values are never rounded up: a request between two options gets the safer one.
double snap_down(double value, const std::vector<double>& options);

// Resolved frequency and voltage for a running target, always one of caps' options.
struct Setpoint {
    double frequency_mhz = 0;
    double core_voltage_mv = 0;
};
// nullopt when caps have no levels.
std::optional<Setpoint> resolve_setpoint(const MinerTarget& target, const MinerCaps& caps);

}  // namespace hashsink::miners::axeos
