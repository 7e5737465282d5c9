// ESP-Miner / AxeOS (Bitaxe) driver: HTTP JSON on the device's port 80. See README.md.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/miners/axeos/axeos_codec.hpp"
#include "adapters/miners/driver_base.hpp"
#include "adapters/transport/http_client.hpp"
#include "daemon/core/miner.hpp"
#include "daemon/core/settings.hpp"

namespace hashsink::miners::axeos {

// Defaults and ranges: driver_settings().
struct DriverConfig {
    std::string url;                    // http://host[:port]
    Duration timeout{};                 // per request
    bool allow_overclock = false;       // offer levels above the stock frequency/voltage
};

// Keys of the "axeos" driver: url, timeout, allow_overclock.
const Settings<DriverConfig>& driver_settings();

class AxeosDriver final : public DriverBase {
public:
    AxeosDriver(std::string id, DriverConfig config);

    const DriverConfig& config() const { return config_; }
    // Caps from the last successful probe, if any.
    const std::optional<MinerCaps>& caps() const { return caps_; }

private:
    // GET /api/system/info and /api/system/asic; levels, options, pause support.
    Result<MinerCaps> probe_miner() override;
    // GET /api/system/info, normalised. On I/O failure returns the error; last_state() then
    // reports offline.
    Result<MinerState> read_miner() override;
    // Pause / resume / PATCH frequency+coreVoltage (clamped to the options), only what
    // differs, then verified by reading /api/system/info back (not_applied on mismatch).
    Status apply_target(const MinerTarget& target) override;

    Result<nlohmann::json> get_object(const std::string& path);
    Status verify(double frequency_mhz, double core_voltage_mv, bool paused,
                  bool check_setpoint);

    DriverConfig config_;
    transport::HttpClient client_;
    std::optional<AsicOptions> asic_;
};

}  // namespace hashsink::miners::axeos
