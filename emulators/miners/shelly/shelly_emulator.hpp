// An emulated Shelly Gen2 plug (Plus Plug S) with a miner behind it: Shelly.GetDeviceInfo,
// Switch.GetStatus, Switch.Set over HTTP GET RPC on a loopback port.
#pragma once

#include <string>

#include "emulators/miners/common/plug_emulator.hpp"

namespace hashsink::miners::shelly {

struct EmulatorConfig : emu::Listen {
    double miner_power_w = 300;       // what the miner behind it draws when on
    double boot_s = 10;               // its ramp after switch-on
    bool on = true;
    std::string power_on_state = "restore";   // after a reboot: "on", "off" or "restore"
};

class ShellyEmulator final : public emu::PlugEmulator {
public:
    explicit ShellyEmulator(EmulatorConfig config = {}, emu::SharedClock emu_clock = {});
    ~ShellyEmulator() override;

protected:
    void routes(Routes& routes) override;
    bool on_after_restart(bool was_on) const override;

private:
    EmulatorConfig config_;
    double energy_wh_ = 0;
};

}  // namespace hashsink::miners::shelly
