// Braiins OS driver: the REST API /api/v1 (Braiins OS 25.07 and later). See README.md.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/miners/braiins/braiins_codec.hpp"
#include "adapters/miners/driver_base.hpp"
#include "adapters/transport/http_client.hpp"
#include "daemon/core/miner.hpp"
#include "daemon/core/settings.hpp"

namespace hashsink::miners::braiins {

// Defaults and ranges: driver_settings().
struct DriverConfig {
    std::string url;                  // http://host[:port]
    std::string username;
    std::string password_file;        // empty: empty password
    Duration timeout{};
    Duration verify_timeout{};
    double power_step_w = 0;
};

const Settings<DriverConfig>& driver_settings();

class BraiinsDriver final : public DriverBase {
public:
    BraiinsDriver(std::string id, DriverConfig config);

    int logins() const { return logins_; }

private:
    Result<MinerCaps> probe_miner() override;  // details + constraints
    Result<MinerState> read_miner() override;  // details, stats, cooling, tuner, boards
    // PUT actions/pause|resume, PUT performance/power-target; verified by reading details and
    // tuner-state back until verify_timeout.
    Status apply_target(const MinerTarget& target) override;

    Status login();
    // A request with the token; logs in first when there is none or it is about to expire,
    // and once more on a 401 (expired or revoked by a reboot).
    Result<nlohmann::json> call(const char* method, const std::string& path,
                                const std::string& body = {});
    Status verify(bool run, std::optional<double> watt);

    DriverConfig config_;
    transport::HttpClient client_;
    std::string token_;
    std::chrono::steady_clock::time_point token_expiry_{};
    std::chrono::seconds token_timeout_{0};
    int logins_ = 0;
    std::optional<PowerRange> range_;
};

}  // namespace hashsink::miners::braiins
