// The clock an emulator models its device's delays by: a reboot's downtime, a power ramp, a
// tuner settling, a session idling out. `hashsink emulate` and the demo run every emulator on
// the steady clock; a test hands its emulators a ManualEmulatorClock and advances it, so it never
// sleeps a modelled delay away. What a client's own timeouts measure (injected latency, a slow
// answer) stays in real time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

namespace hashsink::miners::emu {

class EmulatorClock {
public:
    using time_point = std::chrono::steady_clock::time_point;
    virtual ~EmulatorClock() = default;
    virtual time_point now() const = 0;
    // Blocks until `until` on this clock; false when `cancelled` turned true first.
    virtual bool wait_until(time_point until, const std::atomic<bool>& cancelled) const = 0;
};

using SharedClock = std::shared_ptr<EmulatorClock>;

// The steady clock, shared by every emulator that is given no other.
SharedClock steady_emulator_clock();
// `clock`, or the steady clock when it is null (an emulator constructed without one).
inline SharedClock clock_or_steady(SharedClock clock) {
    return clock ? std::move(clock) : steady_emulator_clock();
}

// A clock that moves only when advanced; thread-safe, so a test advances it while the
// emulator's threads read it and wait on it.
class ManualEmulatorClock final : public EmulatorClock {
public:
    ManualEmulatorClock() = default;  // starts at the steady clock's now
    time_point now() const override;
    bool wait_until(time_point until, const std::atomic<bool>& cancelled) const override;
    void advance(std::chrono::milliseconds by);

private:
    mutable std::mutex mutex_;
    mutable std::condition_variable moved_;
    time_point now_ = std::chrono::steady_clock::now();
};

}  // namespace hashsink::miners::emu
