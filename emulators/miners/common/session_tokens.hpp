// The login tokens an emulated firmware hands out, valid until forgotten or, with an idle
// timeout, until unused for that long (each use refreshes them). Not thread-safe: the owning
// emulator locks around it.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "emulators/miners/common/emulator_clock.hpp"

namespace hashsink::miners::emu {

class SessionTokens {
public:
    // idle_timeout 0: tokens never expire on their own.
    SessionTokens(const EmulatorClock& clock, std::string prefix, std::chrono::seconds idle_timeout)
        : clock_(clock), prefix_(std::move(prefix)), idle_timeout_(idle_timeout) {}

    std::string issue() {
        const auto now = clock_.now();
        // Unpredictable enough that a client cannot reuse a token across emulator restarts.
        std::string token = prefix_ + std::to_string(++issued_) + "Z" +
                            std::to_string(now.time_since_epoch().count() % 997);
        tokens_[token] = now;
        return token;
    }
    // True when the token is known and fresh; refreshes it. An expired token is forgotten.
    bool use(const std::string& token) {
        auto it = tokens_.find(token);
        if (it == tokens_.end()) return false;
        const auto now = clock_.now();
        if (idle_timeout_.count() > 0 && now - it->second > idle_timeout_) {
            tokens_.erase(it);
            return false;
        }
        it->second = now;
        return true;
    }
    bool empty() const { return tokens_.empty(); }
    void clear() { tokens_.clear(); }
    int issued() const { return issued_; }

private:
    const EmulatorClock& clock_;
    std::string prefix_;
    std::chrono::seconds idle_timeout_;
    std::map<std::string, EmulatorClock::time_point> tokens_;  // token -> last use
    int issued_ = 0;
};

}  // namespace hashsink::miners::emu
