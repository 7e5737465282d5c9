// LuxOS (Luxor firmware) driver: the cgminer-style JSON API on TCP 4028. See README.md.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/miners/driver_base.hpp"
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

class LuxosDriver final : public DriverBase {
public:
    LuxosDriver(std::string id, DriverConfig config);

private:
    Result<MinerCaps> probe_miner() override;  // version + profiles
    Result<MinerState> read_miner() override;  // config, summary, power, temps, fans
    // curtail sleep / wakeup, profileset (ATM off around it, then restored), verified by
    // reading config back until verify_timeout; the session is released after.
    Status apply_target(const MinerTarget& target) override;

    Result<nlohmann::json> read(const char* command);
    Result<nlohmann::json> config();
    // Privileged command in a session: logon on first use; a session that expired is renewed
    // once and the command repeated.
    Result<nlohmann::json> privileged(const std::string& command, const std::string& args);
    void logoff() noexcept;
    Status set_profile(const Profile& profile, bool atm_on);

    DriverConfig config_;
    transport::CgminerClient client_;
    std::vector<Profile> profiles_;   // as in caps_->levels
    std::string lux_version_;         // from version, at probe
    std::string session_;
};

}  // namespace hashsink::miners::luxos
