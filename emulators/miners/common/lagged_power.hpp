// A miner's draw following its setting with a first-order lag, as the PSU and the tuner settle.
// Not thread-safe: the owning emulator locks around it.
#pragma once

#include <chrono>
#include <cmath>

#include "emulators/miners/common/emulator_clock.hpp"

namespace hashsink::miners::emu {

class LaggedPower {
public:
    LaggedPower(const EmulatorClock& clock, double lag_s, double initial_w)
        : clock_(clock), lag_s_(lag_s), power_w_(initial_w), last_(clock.now()) {}

    // Moves toward `target_w` by the time elapsed since the last call; returns the draw now.
    double advance(double target_w) {
        const auto now = clock_.now();
        const double dt = std::chrono::duration<double>(now - last_).count();
        last_ = now;
        if (dt > 0) power_w_ += (target_w - power_w_) * (lag_s_ <= 0 ? 1.0 : 1.0 - std::exp(-dt / lag_s_));
        return power_w_;
    }
    void reset(double w) {   // a restart: the boards start again from `w`
        power_w_ = w;
        last_ = clock_.now();
    }
    double watts() const { return power_w_; }

private:
    const EmulatorClock& clock_;
    double lag_s_;
    double power_w_;
    EmulatorClock::time_point last_;
};

}  // namespace hashsink::miners::emu
