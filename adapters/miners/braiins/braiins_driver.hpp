// Braiins OS driver: the REST API /api/v1 (Braiins OS 25.07 and later). See README.md.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/miners/braiins/braiins_codec.hpp"
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
const KeyTable& driver_keys();
DriverConfig driver_config(const Options& options);

// Not thread-safe: one caller at a time.
class BraiinsDriver final : public MinerDriver {
public:
    BraiinsDriver(std::string id, DriverConfig config);

    std::string_view driver_name() const override { return "braiins"; }
    Result<MinerCaps> probe() noexcept override;        // details + constraints
    Result<MinerState> read_state() noexcept override;  // details, stats, cooling, tuner, boards
    // PUT actions/pause|resume, PUT performance/power-target; verified by reading details and
    // tuner-state back until verify_timeout.
    Status apply(const MinerTarget& target) noexcept override;

    const MinerState& last_state() const { return last_state_; }
    int logins() const { return logins_; }

private:
    Status error(const Status& cause) const;
    void mark_offline(const Status& cause);
    Status login();
    // A request with the token; logs in first when there is none or it is about to expire,
    // and once more on a 401 (expired or revoked by a reboot).
    Result<nlohmann::json> call(const char* method, const std::string& path,
                                const std::string& body = {});
    Status verify(bool run, std::optional<double> watt);

    std::string id_;
    DriverConfig config_;
    transport::HttpClient client_;
    std::string token_;
    std::chrono::steady_clock::time_point token_expiry_{};
    std::chrono::seconds token_timeout_{0};
    int logins_ = 0;
    std::optional<MinerCaps> caps_;
    std::optional<PowerRange> range_;
    MinerState last_state_;
};

std::unique_ptr<MinerDriver> make_driver(const std::string& id, const Options& options);

}  // namespace hashsink::miners::braiins
