// A miner with no usable API behind a smart plug: on is mining at its declared power, off is
// paused. The family (Shelly, Tasmota) supplies how to read and switch the relay; this class
// supplies capabilities, the normalised state, idempotence and verification by reading back.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "adapters/miners/driver_base.hpp"
#include "adapters/transport/http_client.hpp"
#include "daemon/core/miner.hpp"
#include "daemon/core/settings.hpp"

namespace hashsink::miners {

// Defaults and ranges: plug_settings().
struct PlugConfig {
    std::string url;
    std::string password_file;             // empty: the plug has no password
    Duration timeout{};                    // each request
    Duration verify_timeout{};             // how long a switch may take to show
    double power_w = 0;                    // the miner's draw when on (declared)
    double hashrate_ths = 0;               // the miner's hashrate when on (declared)
};

// The keys every plug driver shares; each family includes them in its own settings.
Settings<PlugConfig> plug_settings(const std::string& password_doc);

struct PlugReading {
    bool on = false;
    std::optional<double> power_w;         // measured at the plug
    std::optional<double> temp_c;          // the plug's own temperature, when reported
};

class PlugDriver : public DriverBase {
public:
    PlugDriver(std::string family, std::string id, PlugConfig config);

protected:
    // The family's I/O. Messages read "<operation> <object>: <cause>"; the prefix is added here.
    virtual Status identify(std::string& model, std::string& firmware) = 0;
    virtual Result<PlugReading> read_relay() = 0;
    virtual Status set_relay(bool on) = 0;
    // The password from password_file ("" when none); errors are io.
    Result<std::string> password();
    // The plug's HTTP client (url, timeout), made on first use. With a digest_user and a
    // password, requests carry HTTP Digest credentials; errors are password()'s.
    Result<transport::HttpClient*> http_client(const std::string& digest_user = "");

private:
    Result<MinerCaps> probe_miner() override;
    Result<MinerState> read_miner() override;
    // Switches the relay only when it differs, then reads it back until it shows (not_applied
    // after verify_timeout). run=true with any level or power is "on": there is one level.
    Status apply_target(const MinerTarget& target) override;
    // One level, from the config: known before any probe.
    MinerCaps known_caps() const override;

    PlugConfig config_;
    std::optional<std::string> password_;
    std::unique_ptr<transport::HttpClient> client_;
};

}  // namespace hashsink::miners
