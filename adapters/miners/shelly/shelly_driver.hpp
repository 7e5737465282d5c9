// A miner behind a Shelly Gen2+ plug or relay: HTTP RPC Switch.Set / Switch.GetStatus. See
// README.md.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "adapters/miners/plug_driver.hpp"

namespace hashsink::miners::shelly {

struct DriverConfig : PlugConfig {
    int switch_id = 0;  // which switch of the device feeds the miner
};

const Settings<DriverConfig>& driver_settings();

class ShellyDriver final : public PlugDriver {
public:
    ShellyDriver(std::string id, DriverConfig config);

protected:
    Status identify(std::string& model, std::string& firmware) override;
    Result<PlugReading> read_relay() override;
    Status set_relay(bool on) override;

private:
    Result<nlohmann::json> rpc(const std::string& method_and_query);
    int switch_id_;
};

}  // namespace hashsink::miners::shelly
