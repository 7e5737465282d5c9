// An emulated Tasmota plug with energy monitoring and a miner behind it: /cm?cmnd=Power,
// Power ON|OFF, Status, Status 2, Status 8 and Status 10 on a loopback port.
#pragma once

#include <string>

#include "emulators/miners/common/plug_emulator.hpp"

namespace hashsink::miners::tasmota {

struct EmulatorConfig : emu::Listen {
    double miner_power_w = 300;
    double boot_s = 10;
    bool on = true;
    std::string user = "admin";
    std::string password;             // empty: no web password
    bool energy = true;               // false: a plug without a power meter
    int power_on_state = 3;           // PowerOnState: 0 off, 1 on, 3 last saved
};

class TasmotaEmulator final : public emu::PlugEmulator {
public:
    explicit TasmotaEmulator(EmulatorConfig config = {}, emu::SharedClock emu_clock = {});
    ~TasmotaEmulator() override;

protected:
    void routes(Routes& routes) override;
    bool on_after_restart(bool was_on) const override;

private:
    std::string answer(const std::string& cmnd, int& status);
    EmulatorConfig config_;
};

}  // namespace hashsink::miners::tasmota
