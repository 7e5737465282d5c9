// LuxOS (Luxor firmware) driver: the cgminer-style JSON API on TCP 4028. See README.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/miners/luxos/luxos_codec.hpp"
#include "adapters/transport/cgminer_client.hpp"
#include "daemon/core/miner.hpp"
#include "daemon/core/settings.hpp"

namespace hashsink::miners::luxos {

// Defaults and ranges: driver_settings().
struct DriverConfig {
    std::string host;
    int port = 0;
    Duration timeout{};         // per command
    Duration verify_timeout{};  // how long a write may take to show in the read-back
    bool allow_overclock = false;
};

const Settings<DriverConfig>& driver_settings();
const KeyTable& driver_keys();
DriverConfig driver_config(const Options& options);

// Not thread-safe: one caller at a time (the fleet serialises calls per miner).
class LuxosDriver final : public MinerDriver {
public:
    LuxosDriver(std::string id, DriverConfig config);

    std::string_view driver_name() const override { return "luxos"; }
    Result<MinerCaps> probe() noexcept override;          // version + profiles
    Result<MinerState> read_state() noexcept override;    // config, summary, power, temps, fans
    // curtail sleep / wakeup, profileset (ATM off around it, then restored), verified by
    // reading config back until verify_timeout.
    Status apply(const MinerTarget& target) noexcept override;

    const MinerState& last_state() const { return last_state_; }

private:
    Status error(const Status& cause) const;
    void mark_offline(const Status& cause);
    Result<nlohmann::json> read(const char* command);
    Result<nlohmann::json> config();
    // Privileged command in a session: logon on first use; a session that expired is renewed
    // once and the command repeated.
    Result<nlohmann::json> privileged(const std::string& command, const std::string& args);
    void logoff() noexcept;
    Status set_profile(const Profile& profile, bool atm_on);

    std::string id_;
    DriverConfig config_;
    transport::CgminerClient client_;
    std::optional<MinerCaps> caps_;
    std::vector<Profile> profiles_;   // as in caps_->levels
    std::string firmware_;
    std::string session_;
    MinerState last_state_;
};

std::unique_ptr<MinerDriver> make_driver(const std::string& id, const Options& options);

}  // namespace hashsink::miners::luxos
