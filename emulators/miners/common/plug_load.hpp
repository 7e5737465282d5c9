// A miner behind an emulated smart plug: off draws nothing; switched on it boots and ramps to its
// power over boot_s seconds. Not thread-safe: the owning emulator locks around it.
#pragma once

#include <algorithm>
#include <chrono>

#include "emulators/miners/common/emulator_clock.hpp"

namespace hashsink::miners::emu {

class PlugLoad {
public:
    PlugLoad(const EmulatorClock& clock, double power_w, double boot_s, bool on)
        : clock_(clock),
          power_w_(power_w),
          boot_s_(boot_s),
          on_(on),
          since_(clock.now() - std::chrono::hours(1)) {}

    bool on() const { return on_; }
    void set(bool on) {
        if (on == on_) return;
        on_ = on;
        since_ = clock_.now();
    }
    // Drawn now: a small boot load at first, then the ramp to full power.
    double power_w() const {
        if (!on_) return 0;
        if (boot_s_ <= 0) return power_w_;
        double f = std::chrono::duration<double>(clock_.now() - since_).count() / boot_s_;
        f = std::clamp(f, 0.0, 1.0);
        return power_w_ * (0.1 + 0.9 * f);
    }
    double rated_w() const { return power_w_; }

private:
    const EmulatorClock& clock_;
    double power_w_;
    double boot_s_;
    bool on_;
    EmulatorClock::time_point since_;
};

}  // namespace hashsink::miners::emu
