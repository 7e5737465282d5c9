#include "web/auth/setup_code.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>

namespace hashsink::web {
namespace {

constexpr std::size_t kCodeLength = 10;
constexpr std::size_t kMaxGiven = 64;

// Upper case, without the spaces and dashes people type or paste.
std::string normalised(const std::string& text) {
    std::string out;
    for (char c : text.substr(0, kMaxGiven)) {
        if (c == '-' || c == ' ' || c == '\t') continue;
        out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    }
    return out;
}

// The same length and bytes, in a time that depends only on the lengths.
bool same_code(const std::string& given, const std::string& code) {
    std::string padded = given;
    padded.resize(code.size(), '\0');
    const bool same_bytes = CRYPTO_memcmp(padded.data(), code.data(), code.size()) == 0;
    return same_bytes && given.size() == code.size();
}

// "XXXXX-XXXXX" for a code of kCodeLength; other (injected) codes as they are.
std::string formatted(const std::string& code) {
    if (code.size() != kCodeLength) return code;
    return code.substr(0, kCodeLength / 2) + "-" + code.substr(kCodeLength / 2);
}

}  // namespace

std::string SetupCode::random_code() {
    unsigned char bytes[kCodeLength];
    if (RAND_bytes(bytes, sizeof bytes) != 1) std::abort();  // no randomness: no safe code
    std::string code;
    for (std::size_t i = 0; i < kCodeLength; ++i) {
        if (i == kCodeLength / 2) code.push_back('-');
        code.push_back(kAlphabet[bytes[i] & 31]);  // 32 letters: no modulo bias
    }
    return code;
}

SetupCode::SetupCode(std::string code, SetupCodeLimits limits)
    : code_(normalised(code.empty() ? random_code() : code)), limits_(limits) {}

SetupCode::Check SetupCode::check(const std::string& given, TimePoint now) {
    Check r;
    const std::string typed = normalised(given);
    std::lock_guard lock(mutex_);
    if (spent_) {
        r.outcome = Check::Outcome::spent;
        return r;
    }
    if (now < paused_until_) {
        r.outcome = Check::Outcome::limited;
        r.retry_after_s = std::max<int>(
            1,
            static_cast<int>(std::chrono::ceil<std::chrono::seconds>(paused_until_ - now).count()));
        return r;
    }
    if (same_code(typed, code_)) {
        r.outcome = Check::Outcome::ok;
        return r;
    }
    r.outcome = Check::Outcome::wrong;
    if (++wrong_ >= limits_.wrong_before_rotation) {
        wrong_ = 0;
        code_ = normalised(random_code());
        paused_until_ = now + limits_.pause_after_rotation;
        r.new_code = formatted(code_);
    }
    return r;
}

void SetupCode::spend() {
    std::lock_guard lock(mutex_);
    spent_ = true;
    code_.clear();
}

bool SetupCode::spent() const {
    std::lock_guard lock(mutex_);
    return spent_;
}

std::string SetupCode::current() const {
    std::lock_guard lock(mutex_);
    return formatted(code_);
}

}  // namespace hashsink::web
