// Generic cgminer / bmminer (stock Antminer RPC, older firmware) on TCP 4028: read-only
// monitoring. See README.md.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "adapters/miners/cgminer/cgminer_codec.hpp"
#include "adapters/miners/driver_base.hpp"
#include "adapters/transport/cgminer_client.hpp"
#include "daemon/core/miner.hpp"
#include "daemon/core/settings.hpp"

namespace hashsink::miners::cgminer {

// Defaults and ranges: driver_settings().
struct DriverConfig {
    std::string host;
    int port = 0;
    Duration timeout{};
    double power_w = 0;          // declared draw while hashing (0: unknown)
    double hashrate_ths = 0;     // declared; 0: the measured average
};

const Settings<DriverConfig>& driver_settings();

class CgminerDriver final : public DriverBase {
public:
    CgminerDriver(std::string id, DriverConfig config);
    // Read-only: run=true is a no-op success (it runs by itself); run=false is unsupported.
    // Nothing to probe first.
    Status apply(const MinerTarget& target) noexcept override;

private:
    Result<MinerCaps> probe_miner() override;
    // version, summary, stats. A miner hashing less than 1 % of its average is reported
    // `error` (running but not hashing), never with stale values.
    Result<MinerState> read_miner() override;
    Status apply_target(const MinerTarget& target) override;
    // The configured level, at the measured hashrate when none is configured.
    MinerCaps known_caps() const override;

    DriverConfig config_;
    transport::CgminerClient client_;
    Reading identity_;
    double measured_ths_ = 0;
};

}  // namespace hashsink::miners::cgminer
