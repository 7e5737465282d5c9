#include "emulators/miners/common/emulator_clock.hpp"

#include <thread>

namespace hashsink::miners::emu {
namespace {

// How often a waiter looks at its cancel flag.
constexpr auto kCancelCheck = std::chrono::milliseconds(5);

class SteadyEmulatorClock final : public EmulatorClock {
public:
    time_point now() const override { return std::chrono::steady_clock::now(); }
    bool wait_until(time_point until, const std::atomic<bool>& cancelled) const override {
        while (now() < until) {
            if (cancelled) return false;
            std::this_thread::sleep_for(
                std::min<std::chrono::steady_clock::duration>(kCancelCheck, until - now()));
        }
        return !cancelled;
    }
};

}  // namespace

SharedClock steady_emulator_clock() {
    static const auto clock = std::make_shared<SteadyEmulatorClock>();
    return clock;
}

EmulatorClock::time_point ManualEmulatorClock::now() const {
    std::lock_guard lock(mutex_);
    return now_;
}

bool ManualEmulatorClock::wait_until(time_point until, const std::atomic<bool>& cancelled) const {
    std::unique_lock lock(mutex_);
    while (now_ < until) {
        if (cancelled) return false;
        moved_.wait_for(lock, kCancelCheck);
    }
    return !cancelled;
}

void ManualEmulatorClock::advance(std::chrono::milliseconds by) {
    {
        std::lock_guard lock(mutex_);
        now_ += by;
    }
    moved_.notify_all();
}

}  // namespace hashsink::miners::emu
