// A reboot with downtime, shared by the HTTP and cgminer-API emulators: the port goes away and
// the device restarts now; the port comes back on a thread of its own once the downtime has
// passed on the emulator's clock, unless the emulator stops first.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>

#include "emulators/miners/common/emulator_clock.hpp"

namespace hashsink::miners::emu {

class Downtime {
public:
    // set_offline(true) closes the port and set_offline(false) listens again; restart()
    // forgets what the device forgets when it restarts.
    Downtime(const EmulatorClock& clock, std::function<void(bool)> set_offline,
             std::function<void()> restart)
        : clock_(clock), set_offline_(std::move(set_offline)), restart_(std::move(restart)) {}
    ~Downtime() { cancel(); }
    Downtime(const Downtime&) = delete;
    Downtime& operator=(const Downtime&) = delete;

    // Waits for a pending downtime to end, then goes offline and restarts; online again once
    // `length` has passed on the clock.
    void begin(std::chrono::milliseconds length);
    void cancel();  // a pending return never happens; returns once its thread has ended
    void resume();  // after cancel(): begin() brings the port back again

private:
    const EmulatorClock& clock_;
    std::function<void(bool)> set_offline_;
    std::function<void()> restart_;
    std::mutex mutex_;  // thread_
    std::thread thread_;
    std::atomic<bool> cancelled_{false};
};

}  // namespace hashsink::miners::emu
