// Generic cgminer / bmminer (stock Antminer RPC, older firmware) on TCP 4028: read-only
// monitoring. See README.md.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "adapters/miners/cgminer/cgminer_codec.hpp"
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
const KeyTable& driver_keys();
DriverConfig driver_config(const Options& options);

class CgminerDriver final : public MinerDriver {
public:
    CgminerDriver(std::string id, DriverConfig config);
    std::string_view driver_name() const override { return "cgminer"; }
    Result<MinerCaps> probe() noexcept override;
    // version, summary, stats. A miner hashing less than 1 % of its average is reported
    // `error` (running but not hashing), never with stale values.
    Result<MinerState> read_state() noexcept override;
    // Read-only: run=true is a no-op success (it runs by itself); run=false is unsupported.
    Status apply(const MinerTarget& target) noexcept override;
    const MinerState& last_state() const { return last_state_; }

private:
    Status error(const Status& cause) const;
    void mark_offline(const Status& cause);
    MinerCaps caps() const;

    std::string id_;
    DriverConfig config_;
    transport::CgminerClient client_;
    bool probed_ = false;
    Reading identity_;
    double measured_ths_ = 0;
    MinerState last_state_;
};

std::unique_ptr<MinerDriver> make_driver(const std::string& id, const Options& options);

}  // namespace hashsink::miners::cgminer
