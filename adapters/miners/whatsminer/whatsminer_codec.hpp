// Pure parts of the Whatsminer (MicroBT btminer) APIs: decoding the v2 (TCP 4028) and v3
// (TCP 4433) replies into normalised readings, choosing the API by firmware, and the write
// credentials of each (v2: MD5-crypt key, AES-256-ECB envelope; v3: a short SHA-256 token).
// No I/O. See README.md.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hashsink::miners::whatsminer {

enum class Api { v2, v3 };
const char* to_string(Api api) noexcept;

struct Version {
    std::string api;        // "2.0.5", "3.0.2"
    std::string firmware;   // "20230803.11.REL", "20251209.16.Rel2"
    std::string platform;   // "H616"
};

// Firmware after 2024-11 (or an API version 3.x) speaks v3 on 4433 (pyasic's rule).
Api api_for(const Version& v);

struct Reading {
    std::string model;
    Version version;
    std::optional<double> hashrate_ths;      // realtime
    std::optional<double> factory_ths;
    std::optional<double> power_w;           // measured
    std::optional<double> power_limit_w;     // the set limit
    std::optional<double> chip_temp_c;       // hottest
    std::optional<double> env_temp_c;
    std::optional<double> fan_rpm;           // mean of intake and exhaust
    std::optional<double> frequency_mhz;
    std::optional<bool> mining;              // false: powered off by power_off / service stop
    std::string errors;                      // "218 (2024-06-15 10:30:00), ..."
};

// v2 replies. Msg-envelope replies ({"STATUS":"S","Code":131,"Msg":{..}}) and classic
// cgminer sections are both handled; absent fields stay unset.
std::optional<Version> decode_v2_version(const nlohmann::json& reply);   // get_version
void decode_v2_summary(const nlohmann::json& reply, Reading& out);      // summary
void decode_v2_devs(const nlohmann::json& reply, Reading& out);         // devs / edevs
void decode_v2_status(const nlohmann::json& reply, Reading& out);       // status
void decode_v2_devdetails(const nlohmann::json& reply, Reading& out);   // devdetails Model
void decode_v2_errors(const nlohmann::json& reply, Reading& out);       // get_error_code

// v3 replies ({"code":0,"msg":{..},"desc":cmd,"when":ts}).
// get.device.info: model, version, working, errors; the write salt when present.
void decode_v3_device_info(const nlohmann::json& reply, Reading& out, std::string* salt);
void decode_v3_summary(const nlohmann::json& reply, Reading& out);   // get.miner.status summary

// v3 reply code and message: "code -4: no permission". Empty when code is 0.
std::string v3_failure(const nlohmann::json& reply);

// v2 write credentials from get_token's Msg{time, salt, newsalt}: key = MD5-crypt hash of the
// password with salt; sign = MD5-crypt hash of key+time with newsalt; AES key = SHA-256(key).
struct V2Token {
    std::string aes_key;   // 32 raw bytes
    std::string sign;      // the "token" field of each write
};
V2Token v2_token(std::string_view password, std::string_view salt, std::string_view time,
                 std::string_view newsalt);
// {"enc":1,"data":base64(AES-256-ECB(json with "token"))}
std::string v2_seal(const V2Token& token, nlohmann::json command);
// The JSON text inside a {"enc":"<base64>"} reply; nullopt when it does not decrypt.
std::optional<std::string> v2_open(std::string_view aes_key, std::string_view base64);

// v3 write token: the first 8 characters of base64(SHA-256(cmd + password + salt + ts)).
std::string v3_token(std::string_view cmd, std::string_view password, std::string_view salt,
                     long long ts);

}  // namespace hashsink::miners::whatsminer
