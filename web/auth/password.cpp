#include "web/auth/password.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <vector>

namespace hashsink::web {
namespace {

constexpr std::size_t kKeyBytes = 32;

std::string to_hex(const unsigned char* data, std::size_t n) {
    static const char* kDigits = "0123456789abcdef";
    std::string out(n * 2, '0');
    for (std::size_t i = 0; i < n; ++i) {
        out[2 * i] = kDigits[data[i] >> 4];
        out[2 * i + 1] = kDigits[data[i] & 0xf];
    }
    return out;
}

std::vector<unsigned char> from_hex(const std::string& hex) {
    std::vector<unsigned char> out;
    if (hex.size() % 2 != 0) return out;
    auto nibble = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < hex.size(); i += 2) {
        int hi = nibble(hex[i]), lo = nibble(hex[i + 1]);
        if (hi < 0 || lo < 0) return {};
        out.push_back(static_cast<unsigned char>(hi * 16 + lo));
    }
    return out;
}

std::vector<unsigned char> derive(const std::string& password, const std::vector<unsigned char>& salt,
                                  std::uint32_t iterations) {
    std::vector<unsigned char> key(kKeyBytes);
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                          static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                          static_cast<int>(key.size()), key.data()) != 1)
        std::abort();   // OpenSSL cannot hash: nothing sensible to fall back to
    return key;
}

}  // namespace

std::string random_hex(std::size_t bytes) {
    std::vector<unsigned char> buf(bytes);
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) std::abort();
    return to_hex(buf.data(), buf.size());
}

PasswordHash hash_password(const std::string& password, std::uint32_t iterations) {
    PasswordHash h;
    h.salt_hex = random_hex(16);
    h.iterations = iterations;
    auto key = derive(password, from_hex(h.salt_hex), iterations);
    h.hash_hex = to_hex(key.data(), key.size());
    return h;
}

bool verify_password(const std::string& password, const PasswordHash& stored) {
    auto salt = from_hex(stored.salt_hex);
    auto want = from_hex(stored.hash_hex);
    if (salt.empty() || want.size() != kKeyBytes || stored.iterations < 1000 ||
        stored.iterations > 10'000'000)
        return false;
    auto got = derive(password, salt, stored.iterations);
    return CRYPTO_memcmp(got.data(), want.data(), kKeyBytes) == 0;
}

}  // namespace hashsink::web
