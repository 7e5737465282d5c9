// Stock Antminer (Bitmain) driver: the web CGI on port 80 behind HTTP Digest auth. Work modes
// (normal, low power, sleep) are its only control. See README.md.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/miners/antminer/antminer_codec.hpp"
#include "adapters/miners/driver_base.hpp"
#include "adapters/transport/http_client.hpp"
#include "daemon/core/miner.hpp"
#include "daemon/core/settings.hpp"

namespace hashsink::miners::antminer {

// Defaults and ranges: driver_settings().
struct DriverConfig {
    std::string url;                     // http://host[:port]
    std::string user;
    std::string password_file;           // empty: the firmware default (root)
    Duration timeout{};                  // each read
    Duration write_timeout{};            // set_miner_conf.cgi (about 21 s seen)
    Duration verify_timeout{};           // how long the new mode may take to show
    double power_w = 0;                  // draw in normal mode
    double low_power_w = 0;              // draw in low-power mode; 0: not offered
    double sleep_power_w = 0;            // draw asleep (control board)
    double hashrate_ths = 0;             // normal mode; 0: the miner's rate_ideal
};

const Settings<DriverConfig>& driver_settings();

// apply() may block for write_timeout + verify_timeout: it runs on the fleet's pool, never on
// the loop.
class AntminerDriver final : public DriverBase {
public:
    AntminerDriver(std::string id, DriverConfig config);

    // The mode a target asks for, given caps (exposed for tests).
    static WorkMode mode_for(const MinerTarget& target, const MinerCaps& caps,
                             bool has_low_power);

private:
    // get_system_info, summary: model and ideal hashrate; levels from the configured powers.
    Result<MinerCaps> probe_miner() override;
    // get_miner_conf (mode), summary.cgi, stats.cgi.
    Result<MinerState> read_miner() override;
    // Mode from the target; nothing sent when already in it; else set_miner_conf.cgi, then
    // get_miner_conf is read back until the mode shows or verify_timeout passes (not_applied).
    Status apply_target(const MinerTarget& target) override;

    Status ensure_clients();
    Result<nlohmann::json> get_object(transport::HttpClient& client, const std::string& path);
    // Adds a hint to a refused login.
    Status error(const Status& cause) const override;
    MinerCaps build_caps(double ideal_ths) const;

    DriverConfig config_;
    std::unique_ptr<transport::HttpClient> client_;        // reads
    std::unique_ptr<transport::HttpClient> write_client_;  // set_miner_conf, long deadline
};

}  // namespace hashsink::miners::antminer
