// Whatsminer (MicroBT btminer) driver: API v2 on TCP 4028 (encrypted writes) or API v3 on TCP
// 4433 (token-signed writes), picked by firmware version. See README.md.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <optional>
#include <string>

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
const KeyTable& driver_keys();
DriverConfig driver_config(const Options& options);

// Not thread-safe: one caller at a time (the fleet serialises calls per miner).
class WhatsminerDriver final : public MinerDriver {
public:
    // `clock` gives unix seconds for v3 write timestamps (tests may skew it).
    WhatsminerDriver(std::string id, DriverConfig config,
                     std::function<std::time_t()> clock = [] { return std::time(nullptr); });

    std::string_view driver_name() const override { return "whatsminer"; }
    Result<MinerCaps> probe() noexcept override;        // API choice, version, model, limits
    Result<MinerState> read_state() noexcept override;  // summary + status / device info
    // power_off / power_on and the power limit, only what differs, each verified by reading
    // back until verify_timeout.
    Status apply(const MinerTarget& target) noexcept override;

    const MinerState& last_state() const { return last_state_; }
    std::optional<Api> api() const { return api_; }
    int token_renewals() const { return renewals_; }

private:
    Status error(const Status& cause) const;
    void mark_offline(const Status& cause);
    Result<Api> select_api();
    Result<Reading> read();
    Result<Reading> read_or_offline();   // errors prefixed, state marked offline
    Result<Reading> read_v2();
    Result<Reading> read_v3();
    Result<nlohmann::json> v3_call(const std::string& cmd, const nlohmann::json& param);
    Result<nlohmann::json> write(const std::string& cmd, const nlohmann::json& param);
    Result<nlohmann::json> v2_write_once(const nlohmann::json& command);
    Result<nlohmann::json> v3_write_once(const std::string& cmd, const nlohmann::json& param);
    Status renew_credentials();
    Status verify(const std::string& expected, const std::function<bool(const Reading&)>& done);
    MinerCaps build_caps(const Reading& r) const;
    double target_limit(const MinerTarget& target) const;

    std::string id_;
    DriverConfig config_;
    std::function<std::time_t()> clock_;
    transport::CgminerClient client_;
    std::optional<Api> api_;
    std::optional<MinerCaps> caps_;
    std::string model_, firmware_;
    double seen_limit_w_ = 0;   // highest power limit the miner reported
    // Write credentials, renewed when refused; never logged.
    std::string password_;
    std::optional<V2Token> v2_token_;
    std::string v3_salt_;
    int renewals_ = 0;
    MinerState last_state_;
};

std::unique_ptr<MinerDriver> make_driver(const std::string& id, const Options& options);

}  // namespace hashsink::miners::whatsminer
