// An emulated Braiins OS miner (Antminer S21 Pro on BOS 26.04): the REST API /api/v1 on a
// loopback port, answering like the recorded bodies, with login tokens that expire, the tuner's
// power target, pause/resume, simple physics and fault injection.
#pragma once

#include <mutex>
#include <string>

#include "emulators/miners/common/http_emulator.hpp"
#include "emulators/miners/common/lagged_power.hpp"
#include "emulators/miners/common/session_tokens.hpp"

namespace hashsink::miners::braiins {

struct EmulatorConfig : emu::Listen {
    std::string username = "root";
    std::string password = "root";
    int token_timeout_s = 3600;      // idle validity, refreshed by each request
    double lag_s = 3.0;
};

// Faults, counts and the port come from emu::HttpEmulator; reboot() drops the tokens and the
// power falls to 0 and ramps again.
class BraiinsEmulator : public emu::HttpEmulator {
public:
    explicit BraiinsEmulator(EmulatorConfig config = {}, emu::SharedClock emu_clock = {});
    ~BraiinsEmulator() override;

    double power_target_w() const;
    double power_w() const;
    bool paused() const;
    int logins() const;

    void expire_tokens();              // every token is forgotten (idle timeout)

private:
    void routes(Routes& routes) override;
    void on_reboot() override;
    double target_draw_w() const;
    double advance();                  // mutex_ held

    EmulatorConfig config_;
    mutable std::mutex mutex_;
    double target_w_;
    bool paused_ = false;
    mutable emu::LaggedPower power_;
    emu::SessionTokens tokens_;
    emu::EmulatorClock::time_point booted_ = clock().now();
};

}  // namespace hashsink::miners::braiins
