// Miner API crypto against known vectors: MD5, SHA-256, base64, AES-256-ECB, MD5-crypt (the
// expected values come from `openssl passwd -1 -salt SALT PASSWORD` and `openssl enc`).
#include <catch2/catch.hpp>

#include "adapters/miners/crypto.hpp"

using namespace hashsink::miners::crypto;

TEST_CASE("crypto: digests and base64", "[crypto]") {
    CHECK(hex(md5("")) == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(hex(sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(base64_encode("") == "");
    CHECK(base64_encode("f") == "Zg==");
    CHECK(base64_encode("fo") == "Zm8=");
    CHECK(base64_encode("foo") == "Zm9v");
    CHECK(base64_decode("Zm9vYmFy") == std::optional<std::string>("foobar"));
    CHECK(base64_decode("Zm9v\nYg==") == std::optional<std::string>("foob"));
    CHECK_FALSE(base64_decode("Zm9v*"));
    // A Whatsminer v3 write token: first 8 chars of base64(sha256(cmd + pwd + salt + ts)).
    CHECK(base64_encode(sha256("set.miner.power_limitsuperuhCiDyVj1773869570")).substr(0, 8) ==
          "TaB0bCds");
}

TEST_CASE("crypto: MD5-crypt matches openssl passwd -1", "[crypto]") {
    CHECK(md5_crypt("admin", "BQ5hoXV9") == "$1$BQ5hoXV9$RxmaDUO33TS7O26yeMHZ81");
    CHECK(md5_crypt("admin", "$1$BQ5hoXV9$") == "$1$BQ5hoXV9$RxmaDUO33TS7O26yeMHZ81");
    CHECK(md5_crypt("correct horse battery staple", "abcdefgh") ==
          "$1$abcdefgh$4/U5.w6NPtLkJ2WyrTwm91");
    CHECK(md5_crypt("", "x") == "$1$x$fwjfZtMwarkdetsjiQreU1");
    CHECK(md5_crypt(std::string(41, 'a'), "12345678") == "$1$12345678$nyrBG8gMWCzONQWFhwPlB1");
    // The salt stops at 8 characters, as crypt(3) does.
    CHECK(md5_crypt("admin", "BQ5hoXV9extra") == "$1$BQ5hoXV9$RxmaDUO33TS7O26yeMHZ81");
    CHECK(md5_crypt_hash("admin", "$1$BQ5hoXV9$") == "RxmaDUO33TS7O26yeMHZ81");
}

TEST_CASE("crypto: AES-256-ECB with NUL padding, both ways", "[crypto]") {
    const std::string key = sha256("k");
    auto enc = aes256_ecb_encrypt(key, "hello whatsminer");
    REQUIRE(enc);
    CHECK(base64_encode(*enc) == "ZTYC7+4fjsRHfUZC1oTVpw==");
    auto round = aes256_ecb_encrypt(key, R"({"cmd":"power_off","respbefore":"true"})");
    REQUIRE(round);
    CHECK(round->size() % 16 == 0);
    auto dec = aes256_ecb_decrypt(key, *round);
    REQUIRE(dec);
    CHECK(dec->substr(0, dec->find('\0')) == R"({"cmd":"power_off","respbefore":"true"})");
    CHECK_FALSE(aes256_ecb_encrypt("short key", "x"));
    CHECK_FALSE(aes256_ecb_decrypt(key, "not a multiple of 16"));
}
