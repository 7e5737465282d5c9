// Whatsminer decoding against the recorded replies (tests/fixtures/whatsminer), API choice by
// firmware, and the write credentials of v2 and v3.
#include "adapters/miners/whatsminer/whatsminer_codec.hpp"

#include <catch2/catch.hpp>

#include "adapters/miners/crypto.hpp"
#include "tests/support/fixtures.hpp"

using namespace hashsink::miners::whatsminer;
using nlohmann::json;

namespace {

json fixture(const std::string& name) { return hashsink::test::fixture_json("whatsminer/" + name); }

}  // namespace

TEST_CASE("whatsminer codec: v2 fixtures decode to the expected values", "[whatsminer]") {
    Reading r;
    decode_v2_summary(fixture("v2_summary.json"), r);
    REQUIRE(r.hashrate_ths);
    CHECK(*r.hashrate_ths == Approx(124.5));          // HS RT, MH/s
    CHECK(r.factory_ths == Approx(126.0));            // Factory GHS
    CHECK(r.power_w == Approx(3200));
    CHECK(r.power_limit_w == Approx(3300));
    CHECK(r.chip_temp_c == Approx(81.0));             // the hottest
    CHECK(r.env_temp_c == Approx(28.5));
    CHECK(r.fan_rpm == Approx(5340));                 // mean of in and out

    decode_v2_devs(fixture("v2_devs.json"), r);
    CHECK(r.frequency_mhz == Approx(600));

    decode_v2_status(fixture("v2_status.json"), r);
    REQUIRE(r.mining);
    CHECK(*r.mining);                                 // mineroff "false"
    CHECK(r.power_limit_w == Approx(3600));           // power_limit_set wins: it is the setting
    CHECK(r.version.firmware == "20240624.18.REL");

    auto v = decode_v2_version(fixture("v2_get_version.json"));
    REQUIRE(v);
    CHECK(v->api == "2.0.5");
    CHECK(v->firmware == "20230803.11.REL");
    CHECK(v->platform == "H616");
    CHECK(api_for(*v) == Api::v2);

    Reading e;
    decode_v2_errors(fixture("v2_get_error_code.json"), e);
    CHECK(e.errors.empty());
    decode_v2_errors(fixture("v2_get_error_code_with_errors.json"), e);
    CHECK(e.errors == "error 218 (2024-06-15 10:30:00), error 110 (2024-06-15 09:15:00)");
}

TEST_CASE("whatsminer codec: v3 fixtures decode to the expected values", "[whatsminer]") {
    Reading r;
    std::string salt;
    decode_v3_device_info(fixture("v3_get_device_info.json"), r, &salt);
    CHECK(r.model == "Whatsminer M60S_VK40");
    CHECK(r.mining == true);
    CHECK(r.version.api == "3.0.2");
    CHECK(r.version.firmware == "20251209.16.Rel2");
    CHECK(salt == "uhCiDyVj");
    CHECK(api_for(r.version) == Api::v3);

    decode_v3_summary(fixture("v3_get_miner_status_summary.json"), r);
    CHECK(r.hashrate_ths == Approx(171.259));         // already TH/s
    CHECK(r.factory_ths == Approx(181.051));
    CHECK(r.power_w == Approx(3156));
    CHECK(r.power_limit_w == Approx(3600));
    CHECK(r.chip_temp_c == Approx(82));
    CHECK(r.fan_rpm == Approx(5340));
    CHECK(r.frequency_mhz == Approx(625));

    Reading w;
    decode_v3_device_info(fixture("v3_get_device_info_with_errors.json"), w, nullptr);
    CHECK(w.errors.rfind("error 264 Power xfer error. code: 0xffffffffc0000000 (2026-05-23 09:19:10)",
                         0) == 0);
    CHECK(v3_failure(fixture("v3_get_device_info.json")).empty());
    CHECK(v3_failure(json{{"code", -4}, {"msg", "no permission"}}) == "code -4: no permission");
}

TEST_CASE("whatsminer codec: a code beyond a long is reported, not cast", "[whatsminer]") {
    // The reply fuzz_whatsminer_v3 found: {"code":4444...044}, 38 digits.
    auto reply = json::parse(hashsink::test::fuzz_input("whatsminer_v3", "crash-huge-code"));
    CHECK(v3_failure(reply) == "code 4.44444e+37");
    CHECK(v3_failure(json{{"code", -1e300}}) == "code -1e+300");
}

TEST_CASE("whatsminer codec: API choice by firmware and API version", "[whatsminer]") {
    CHECK(api_for({"2.0.5", "20240624.18.REL", ""}) == Api::v2);
    CHECK(api_for({"", "20241031.10.REL", ""}) == Api::v2);
    CHECK(api_for({"", "20241201.10.REL", ""}) == Api::v3);
    CHECK(api_for({"3.0.1", "", ""}) == Api::v3);
    CHECK(api_for({"", "", ""}) == Api::v2);
    CHECK(api_for({"", "garbage", ""}) == Api::v2);
}

TEST_CASE("whatsminer codec: v2 envelope and v3 token", "[whatsminer]") {
    // key = MD5-crypt hash of the password with the salt, sign = MD5-crypt of key+time.
    const auto t = v2_token("admin", "BQ5hoXV9", "8934", "Nx1sAlt");
    CHECK(t.aes_key == hashsink::miners::crypto::sha256("RxmaDUO33TS7O26yeMHZ81"));
    CHECK(t.sign == hashsink::miners::crypto::md5_crypt_hash("RxmaDUO33TS7O26yeMHZ81" "8934",
                                                               "Nx1sAlt"));
    auto sealed = json::parse(v2_seal(t, json{{"cmd", "power_off"}, {"respbefore", "true"}}));
    CHECK(sealed["enc"] == 1);
    auto plain = v2_open(t.aes_key, sealed["data"].get<std::string>());
    REQUIRE(plain);
    auto inner = json::parse(*plain);
    CHECK(inner["cmd"] == "power_off");
    CHECK(inner["token"] == t.sign);
    // Another password gives another key: the envelope does not open to the same text.
    auto wrong = v2_open(v2_token("nimda", "BQ5hoXV9", "8934", "Nx1sAlt").aes_key,
                         sealed["data"].get<std::string>());
    CHECK((!wrong || *wrong != *plain));
    CHECK_FALSE(v2_open(t.aes_key, "not base64 *"));

    CHECK(v3_token("set.miner.power_limit", "super", "uhCiDyVj", 1773869570) == "TaB0bCds");
}
