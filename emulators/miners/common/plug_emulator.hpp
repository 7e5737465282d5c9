// What every smart-plug emulator shares: the miner behind its relay (a PlugLoad under a mutex),
// the relay's state and the draw it meters, and the relay across a restart (it drops, then
// comes back as the plug's power-on setting says).
#pragma once

#include <mutex>
#include <string>

#include "emulators/miners/common/http_emulator.hpp"
#include "emulators/miners/common/plug_load.hpp"

namespace hashsink::miners::emu {

class PlugEmulator : public HttpEmulator {
public:
    bool on() const {
        std::lock_guard lock(mutex_);
        return load_.on();
    }
    double power_w() const {
        std::lock_guard lock(mutex_);
        return load_.power_w();
    }

protected:
    // From a family's config: where it listens (its Listen base) and the miner behind it
    // (miner_power_w, boot_s, on).
    template <class Config>
    PlugEmulator(std::string name, const Config& config, SharedClock clock)
        : HttpEmulator(std::move(name), config, std::move(clock)),
          load_(this->clock(), config.miner_power_w, config.boot_s, config.on) {}

    // Whether the relay is on after a restart, from whether it was before.
    virtual bool on_after_restart(bool was_on) const = 0;
    void on_reboot() override {
        std::lock_guard lock(mutex_);
        const bool was = load_.on();
        load_.set(false);   // the relay drops while the plug restarts
        if (on_after_restart(was)) load_.set(true);
    }

    mutable std::mutex mutex_;
    PlugLoad load_;
};

}  // namespace hashsink::miners::emu
