// The small amount of cryptography miner APIs need, on OpenSSL's libcrypto: MD5 and SHA-256
// (HTTP Digest, Whatsminer tokens), base64, AES-256-ECB (Whatsminer v2 writes) and MD5-crypt
// ($1$, Whatsminer v2 key derivation). Pure functions, no exceptions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hashsink::miners::crypto {

std::string md5(std::string_view data);            // 16 raw bytes
std::string sha256(std::string_view data);         // 32 raw bytes
std::string hex(std::string_view bytes);           // lower case
std::string base64_encode(std::string_view bytes); // standard alphabet, padded, no newlines
// nullopt on characters outside the alphabet; whitespace is skipped.
std::optional<std::string> base64_decode(std::string_view text);

// AES-256-ECB without padding: plaintext is NUL-padded to a multiple of 16 (Whatsminer's
// convention). key must be 32 bytes. nullopt on a bad key or a ciphertext whose length is
// not a multiple of 16.
std::optional<std::string> aes256_ecb_encrypt(std::string_view key, std::string_view plain);
std::optional<std::string> aes256_ecb_decrypt(std::string_view key, std::string_view cipher);

// MD5-crypt as crypt(3) does for "$1$salt$": returns "$1$<salt>$<22 chars>". The salt is
// taken from `salt` with or without the "$1$" prefix and a trailing "$", at most 8 chars.
std::string md5_crypt(std::string_view password, std::string_view salt);
// The hash field of md5_crypt (the part after the third '$').
std::string md5_crypt_hash(std::string_view password, std::string_view salt);

}  // namespace hashsink::miners::crypto
