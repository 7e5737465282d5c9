// Bounded waits on a condition, for tests against real processes and brokers: poll `pred`
// until it holds or `limit` passes (never a fixed sleep).
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace hashsink::test {

inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::seconds(15),
                       std::chrono::milliseconds every = std::chrono::milliseconds(50)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (pred()) return true;
        std::this_thread::sleep_for(every);
    }
    return pred();
}

}  // namespace hashsink::test
