#include "emulators/miners/common/downtime.hpp"

namespace hashsink::miners::emu {

void Downtime::begin(std::chrono::milliseconds length) {
    std::thread previous;
    {
        std::lock_guard lock(mutex_);
        previous = std::move(thread_);
    }
    if (previous.joinable()) previous.join();
    set_offline_(true);
    restart_();
    const auto until = clock_.now() + length;
    std::lock_guard lock(mutex_);
    thread_ = std::thread([this, until] {
        if (clock_.wait_until(until, cancelled_)) set_offline_(false);
    });
}

void Downtime::cancel() {
    cancelled_ = true;
    std::thread pending;
    {
        std::lock_guard lock(mutex_);
        pending = std::move(thread_);
    }
    if (pending.joinable()) pending.join();
}

void Downtime::resume() { cancelled_ = false; }

}  // namespace hashsink::miners::emu
