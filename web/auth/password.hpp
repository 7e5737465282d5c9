// Password hashing: PBKDF2-HMAC-SHA256 with a random salt and a high iteration count (OpenSSL).
#pragma once

#include <cstdint>
#include <string>

namespace hashsink::web {

struct PasswordHash {
    std::string salt_hex;
    std::uint32_t iterations = 0;
    std::string hash_hex;
};

inline constexpr std::uint32_t kPbkdf2Iterations = 210'000;   // OWASP's figure for SHA-256

PasswordHash hash_password(const std::string& password,
                           std::uint32_t iterations = kPbkdf2Iterations);
// Constant-time comparison of the derived key.
bool verify_password(const std::string& password, const PasswordHash& stored);
// n random bytes from OpenSSL's CSPRNG, as hex.
std::string random_hex(std::size_t bytes);

}  // namespace hashsink::web
