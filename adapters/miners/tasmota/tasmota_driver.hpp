// A miner behind a Tasmota plug: HTTP commands Power ON/OFF and Status 8 (energy). See
// README.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "adapters/miners/plug_driver.hpp"

namespace hashsink::miners::tasmota {

struct DriverConfig : PlugConfig {
    std::string user;  // web user, with password_file
    int relay = 0;     // Power1, Power2, ...
};

const Settings<DriverConfig>& driver_settings();

// "Power1 ON" -> "Power1%20ON" (RFC 3986 unreserved characters kept).
std::string url_encode(const std::string& s);

class TasmotaDriver final : public PlugDriver {
public:
    TasmotaDriver(std::string id, DriverConfig config);

protected:
    Status identify(std::string& model, std::string& firmware) override;
    Result<PlugReading> read_relay() override;
    Status set_relay(bool on) override;

private:
    // GET /cm?cmnd=<command>[&user=..&password=..]; errors never carry the password.
    Result<nlohmann::json> command(const std::string& cmnd);
    std::string power_command() const;
    int relay_;
    std::string user_;
};

}  // namespace hashsink::miners::tasmota
