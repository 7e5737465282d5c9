// An emulated Vnish miner (Antminer S19 on Vnish): the REST API /api/v1 on a loopback port with
// unlock tokens, API keys, presets (only tuned ones take effect), mining stop/start, throttle
// (1.3.x), simple physics and fault injection.
#pragma once

#include <mutex>
#include <string>

#include "emulators/miners/common/http_emulator.hpp"
#include "emulators/miners/common/lagged_power.hpp"
#include "emulators/miners/common/session_tokens.hpp"

namespace hashsink::miners::vnish {

struct EmulatorConfig : emu::Listen {
    std::string password = "admin";
    std::string api_key;                 // accepted in x-api-key when not empty
    std::string version = "1.3.4";       // < 1.3: no /mining/throttle
    double lag_s = 3.0;
};

// Faults, counts and the port come from emu::HttpEmulator; reboot() drops the tokens and the
// throttle, and the power ramps again from 0.
class VnishEmulator : public emu::HttpEmulator {
public:
    explicit VnishEmulator(EmulatorConfig config = {}, emu::SharedClock emu_clock = {});
    ~VnishEmulator() override;

    std::string preset() const;
    bool mining() const;
    int throttle_pct() const;
    double power_w() const;
    int unlocks() const;

    void expire_tokens();

private:
    void routes(Routes& routes) override;
    void on_reboot() override;
    double target_draw_w() const;
    double advance();                    // mutex_ held
    bool throttle_supported() const;

    EmulatorConfig config_;
    mutable std::mutex mutex_;
    std::string preset_ = "3200";
    bool mining_ = true;
    int throttle_ = 100;
    mutable emu::LaggedPower power_;
    emu::SessionTokens tokens_;          // unlock tokens do not expire on their own
};

}  // namespace hashsink::miners::vnish
