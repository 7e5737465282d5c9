// The first run's setup code. While no admin password is set, POST /api/setup must carry a
// one-time code that the daemon prints only to its own log (the console, `journalctl -u
// hashsink`), so claiming the device takes access to the machine, not just to the web port. The
// code never appears in an HTTP answer or in the journal's events (the page can read those).
#pragma once

#include <chrono>
#include <mutex>
#include <string>

namespace hashsink::web {

struct SetupCodeLimits {
    int wrong_before_rotation = 10;                 // wrong codes (from anyone) before a new code
    std::chrono::seconds pause_after_rotation{60};  // every attempt refused meanwhile
};

class SetupCode {
public:
    using TimePoint = std::chrono::steady_clock::time_point;

    // code: empty makes a random one (random_code()).
    explicit SetupCode(std::string code = {}, SetupCodeLimits limits = {});

    // 10 characters of kAlphabet from OpenSSL's CSPRNG, as "XXXXX-XXXXX" (50 bits).
    static std::string random_code();
    // No 0/O, 1/I: easy to read off a console and type.
    static constexpr const char* kAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

    struct Check {
        enum class Outcome { ok, wrong, limited, spent } outcome = Outcome::wrong;
        int retry_after_s = 0;  // limited: seconds until attempts are taken again
        std::string new_code;   // wrong: the code that replaces the guessed one, if any
    };
    // Compares in constant time, ignoring case, spaces and dashes. The wrong_before_rotation-th
    // wrong code replaces the code (new_code, to be logged) and refuses every attempt for
    // pause_after_rotation, so each code meets at most that many guesses.
    Check check(const std::string& given, TimePoint now);
    // The admin password is set: the code is void for good.
    void spend();
    bool spent() const;
    std::string current() const;  // for the daemon's log only

private:
    mutable std::mutex mutex_;
    std::string code_;  // normalised: no dash, upper case
    SetupCodeLimits limits_;
    int wrong_ = 0;
    TimePoint paused_until_{};
    bool spent_ = false;
};

}  // namespace hashsink::web
