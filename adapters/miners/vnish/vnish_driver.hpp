// Vnish (AnthillOS) driver: the REST API /api/v1. See README.md.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/miners/driver_base.hpp"
#include "adapters/miners/vnish/vnish_codec.hpp"
#include "adapters/transport/http_client.hpp"
#include "daemon/core/miner.hpp"
#include "daemon/core/settings.hpp"

namespace hashsink::miners::vnish {

// Defaults and ranges: driver_settings().
struct DriverConfig {
    std::string url;
    std::string password_file;   // web password, for POST /unlock
    std::string api_key_file;    // or an API key (x-api-key); preferred when both are set
    Duration timeout{};
    Duration verify_timeout{};
};

const Settings<DriverConfig>& driver_settings();

class VnishDriver final : public DriverBase {
public:
    VnishDriver(std::string id, DriverConfig config);

    int unlocks() const { return unlocks_; }

private:
    Result<MinerCaps> probe_miner() override;  // info + autotune/presets
    Result<MinerState> read_miner() override;  // summary (+ perf-summary)
    // mining stop/start, settings preset, throttle; verified by reading back.
    Status apply_target(const MinerTarget& target) override;

    Status authenticate();
    Result<nlohmann::json> call(const char* method, const std::string& path,
                                const std::string& body = {});

    DriverConfig config_;
    transport::HttpClient client_;
    bool authed_ = false;
    int unlocks_ = 0;
    std::vector<int> throttle_pct_;
    std::vector<std::string> preset_names_;
    bool throttle_ = false;
    nlohmann::json info_;
};

}  // namespace hashsink::miners::vnish
