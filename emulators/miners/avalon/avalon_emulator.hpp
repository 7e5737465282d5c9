// An emulated Avalon Q (Canaan cgminer 4.11.1) on the 4028 protocol: version, summary, stats
// with the "MM ID0" string, ascset softoff/softon/workmode with the firmware's delay, and the
// shared faults. Used by tests, `hashsink emulate avalon` and the demo.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "emulators/miners/common/cgminer_emulator.hpp"

namespace hashsink::miners::avalon {

struct EmulatorConfig : emu::Listen {
    double mode_power_w[3] = {800, 1300, 1674};    // eco, standard, super
    double mode_ths[3] = {48, 72, 90};
    double idle_power_w = 15;
    int work_mode = 1;
    bool idle = false;
    int switch_delay_ms = 1000;   // soft off/on take effect after this (about 5 s on hardware)
    double ramp_s = 5;            // hashrate/power ramp after waking or a mode change
};

class AvalonEmulator final : public emu::CgminerEmulator {
public:
    explicit AvalonEmulator(EmulatorConfig config = {}, emu::SharedClock emu_clock = {});
    ~AvalonEmulator() override;
    bool idle() const;
    int work_mode() const;
    double power_w() const;
    double hashrate_ths() const;

protected:
    std::optional<std::string> reply(const std::string& cmd, const std::string& param,
                                     const nlohmann::json& request) override;
    void on_reboot() override;

private:
    using Clock = emu::EmulatorClock;
    void settle(Clock::time_point now) const;   // applies a pending soft off/on
    double target_w() const;
    double target_ths() const;
    double frac(Clock::time_point now) const;
    void retarget(Clock::time_point now);
    std::string mm_summary(Clock::time_point now) const;

    EmulatorConfig config_;
    mutable std::mutex mutex_;
    mutable bool idle_;
    int mode_;
    mutable std::optional<std::pair<Clock::time_point, bool>> pending_;   // when, idle
    mutable Clock::time_point ramp_start_;
    mutable double from_w_ = 0, from_ths_ = 0;
    long soft_off_time_ = 0, soft_on_time_ = 0;
    Clock::time_point booted_;
};

}  // namespace hashsink::miners::avalon
