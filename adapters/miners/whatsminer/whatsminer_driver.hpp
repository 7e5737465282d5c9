// Whatsminer (MicroBT btminer) driver: API v2 on TCP 4028 (encrypted writes) or API v3 on TCP
// 4433 (token-signed writes), picked by firmware version. See README.md.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "adapters/miners/driver_base.hpp"
#include "adapters/miners/whatsminer/v2_link.hpp"
#include "adapters/miners/whatsminer/v3_link.hpp"
#include "adapters/miners/whatsminer/whatsminer_codec.hpp"
#include "adapters/transport/cgminer_client.hpp"
#include "daemon/core/miner.hpp"
#include "daemon/core/settings.hpp"

namespace hashsink::miners::whatsminer {

// Defaults and ranges: driver_settings().
struct DriverConfig {
    std::string host;
    int port = 0;                    // API v2
    int v3_port = 0;                 // API v3
    std::string api;                 // "auto" | "v2" | "v3"
    std::string password_file;       // admin (v2) / account (v3) password, for writes
    std::string account;             // v3 write account
    Duration timeout{};
    Duration verify_timeout{};
    double power_w = 0;              // highest power limit; 0: the limit the miner reports
    double min_power_w = 0;          // lowest limit offered; 0: half of power_w (on a step)
    double power_step_w = 0;
    double hashrate_ths = 0;         // at power_w; 0: the factory hashrate
    double idle_power_w = 0;         // powered off (control board and fans)
};

const Settings<DriverConfig>& driver_settings();

class WhatsminerDriver final : public DriverBase {
public:
    // `clock` gives unix seconds for v3 write timestamps (tests may skew it).
    WhatsminerDriver(std::string id, DriverConfig config,
                     std::function<std::time_t()> clock = [] { return std::time(nullptr); });

    std::optional<Api> api() const;
    int token_renewals() const { return renewals_; }

private:
    Result<MinerCaps> probe_miner() override;  // API choice, version, model, limits
    Result<MinerState> read_miner() override;  // summary + status / device info
    // power_off / power_on and the power limit, only what differs, each verified by reading
    // back until verify_timeout.
    Status apply_target(const MinerTarget& target) override;

    // The link of the configured API, or with "auto" the one the firmware speaks.
    Result<ApiLink*> select_link();
    Result<Reading> read();
    Result<Reading> read_or_offline();   // errors prefixed, state marked offline
    Result<nlohmann::json> write(const Write& write);
    Status verify(const std::string& expected, const std::function<bool(const Reading&)>& done);
    MinerCaps build_caps(const Reading& r) const;
    double target_limit(const MinerTarget& target) const;

    DriverConfig config_;
    transport::CgminerClient client_;  // port 4028
    // Both links keep their credentials while the other is in use; link_ is the chosen one.
    V2Link v2_;
    V3Link v3_;
    ApiLink* link_ = nullptr;
    double seen_limit_w_ = 0;   // highest power limit the miner reported
    std::string password_;      // for writes, read when the first needs it; never logged
    int renewals_ = 0;
};

}  // namespace hashsink::miners::whatsminer
