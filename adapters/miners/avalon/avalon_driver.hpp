// Canaan Avalon (cgminer 4.11, e.g. Avalon Q, Nano 3) on TCP 4028: soft off/on and work modes
// through ascset. See README.md.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "adapters/miners/avalon/avalon_codec.hpp"
#include "adapters/miners/driver_base.hpp"
#include "adapters/transport/cgminer_client.hpp"
#include "daemon/core/miner.hpp"
#include "daemon/core/settings.hpp"

namespace hashsink::miners::avalon {

// Defaults and ranges: driver_settings().
struct DriverConfig {
    std::string host;
    int port = 0;
    Duration timeout{};
    Duration verify_timeout{};        // soft off/on take effect after about 5 s
    double eco_power_w = 0;           // work mode 0; 0: not offered
    double power_w = 0;               // work mode 1 (standard), the nominal level
    double super_power_w = 0;         // work mode 2; 0: not offered
    double hashrate_ths = 0;          // at standard; 0: GHSmm from the miner
    double idle_power_w = 0;          // soft off
};

const Settings<DriverConfig>& driver_settings();

class AvalonDriver final : public DriverBase {
public:
    AvalonDriver(std::string id, DriverConfig config);

private:
    Result<MinerCaps> probe_miner() override;
    Result<MinerState> read_miner() override;
    // softoff / softon / workmode, only what differs, each verified in stats (SYSTEMSTATU,
    // WORKMODE) until verify_timeout.
    Status apply_target(const MinerTarget& target) override;

    Result<MmState> read_mm();
    Status ascset(const std::string& parameter, bool reply_optional);
    Status wait_for(const std::function<bool(const MmState&)>& done, const std::string& expected);
    MinerCaps build_caps(double standard_ths) const;
    int mode_for_level(std::size_t level) const;

    DriverConfig config_;
    transport::CgminerClient client_;
};

}  // namespace hashsink::miners::avalon
