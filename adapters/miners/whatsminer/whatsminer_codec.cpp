#include "adapters/miners/whatsminer/whatsminer_codec.hpp"

#include <cmath>
#include <cstdlib>

#include "adapters/miners/crypto.hpp"
#include "adapters/transport/cgminer_client.hpp"

namespace hashsink::miners::whatsminer {
namespace {

using nlohmann::json;
using transport::json_number;
using transport::json_string;

const json& null_json() {
    static const json kNull;
    return kNull;
}

// The object under `key`, or null.
const json& object_at(const json& j, const char* key) {
    if (!j.is_object()) return null_json();
    auto it = j.find(key);
    return it != j.end() && it->is_object() ? *it : null_json();
}

// A plausible value or nothing: firmware reports 0 or -1 for sensors it lacks.
std::optional<double> positive(std::optional<double> v, double max) {
    if (!v || !std::isfinite(*v) || *v <= 0 || *v > max) return std::nullopt;
    return v;
}

std::optional<double> mean_fan(const json& obj, const char* in, const char* out) {
    auto a = positive(json_number(obj, in), 50000), b = positive(json_number(obj, out), 50000);
    if (a && b) return (*a + *b) / 2;
    return a ? a : b;
}

// The summary fields both API generations report, under their own names.
struct SummaryKeys {
    const char *power, *limit, *temp_max, *temp_avg, *env, *fan_in, *fan_out;
};

void summary_fields(const json& s, const SummaryKeys& k, Reading& out) {
    if (auto p = json_number(s, k.power); p && *p >= 0 && *p < 100000) out.power_w = p;
    if (auto l = positive(json_number(s, k.limit), 100000)) out.power_limit_w = l;
    out.chip_temp_c = positive(json_number(s, k.temp_max), 200);
    if (!out.chip_temp_c) out.chip_temp_c = positive(json_number(s, k.temp_avg), 200);
    out.env_temp_c = positive(json_number(s, k.env), 100);
    out.fan_rpm = mean_fan(s, k.fan_in, k.fan_out);
}

std::optional<bool> text_bool(const json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    if (it->is_boolean()) return it->get<bool>();
    if (it->is_string()) {
        const auto& s = it->get_ref<const std::string&>();
        if (s == "true") return true;
        if (s == "false") return false;
    }
    return std::nullopt;
}

// [{"218":"2024-06-15 10:30:00"}, ...] or v3's [{"264":"...","reason":"..."}].
std::string error_list(const json& list) {
    std::string out;
    if (!list.is_array()) return out;
    std::size_t n = 0;
    for (const auto& e : list) {
        if (!e.is_object()) continue;
        if (++n > 8) {
            out += ", ...";
            break;
        }
        std::string code, when, reason = json_string(e, "reason");
        for (auto it = e.begin(); it != e.end(); ++it) {
            if (it.key() == "reason") continue;
            code = it.key();
            if (it->is_string()) when = it->get<std::string>();
        }
        if (code.empty()) continue;
        if (!out.empty()) out += ", ";
        out += "error " + code + (reason.empty() ? "" : " " + reason) +
               (when.empty() ? "" : " (" + when + ")");
    }
    return out;
}

}  // namespace

const char* to_string(Api api) noexcept { return api == Api::v3 ? "v3" : "v2"; }

Api api_for(const Version& v) {
    if (!v.api.empty() && std::atoi(v.api.c_str()) >= 3) return Api::v3;
    // "20251209.16.Rel2": the date prefix; later than 2024-11 is v3.
    if (v.firmware.size() >= 8) {
        const long date = std::strtol(v.firmware.substr(0, 8).c_str(), nullptr, 10);
        if (date > 20241100) return Api::v3;
    }
    return Api::v2;
}

std::optional<Version> decode_v2_version(const json& reply) {
    const json& msg = object_at(reply, "Msg");
    if (msg.is_null()) return std::nullopt;
    Version v{json_string(msg, "api_ver"), json_string(msg, "fw_ver"), json_string(msg, "platform")};
    if (v.api.empty() && v.firmware.empty()) return std::nullopt;
    return v;
}

void decode_v2_summary(const json& reply, Reading& out) {
    const json& s = transport::first_of(reply, "SUMMARY");
    if (!s.is_object()) return;
    for (const char* key : {"HS RT", "MHS 5s", "MHS av"}) {
        if (auto mhs = json_number(s, key); mhs && *mhs >= 0) {
            out.hashrate_ths = *mhs / 1e6;
            break;
        }
    }
    if (auto f = positive(json_number(s, "Factory GHS"), 1e9)) out.factory_ths = *f / 1e3;
    summary_fields(s, {"Power", "Power Limit", "Chip Temp Max", "Chip Temp Avg", "Env Temp",
                       "Fan Speed In", "Fan Speed Out"},
                   out);
    if (auto fw = json_string(s, "Firmware Version"); !fw.empty() && out.version.firmware.empty())
        out.version.firmware = fw;
}

void decode_v2_devs(const json& reply, Reading& out) {
    const json* devs = nullptr;
    for (const char* key : {"DEVS", "EDEVS"}) {
        if (auto it = reply.find(key); it != reply.end() && it->is_array()) devs = &*it;
    }
    if (devs == nullptr) return;
    double sum = 0;
    int n = 0;
    for (const auto& d : *devs) {
        if (!d.is_object()) continue;
        auto f = positive(json_number(d, "Chip Frequency"), 5000);
        if (!f) f = positive(json_number(d, "Frequency"), 5000);
        if (f) {
            sum += *f;
            ++n;
        }
        if (auto t = positive(json_number(d, "Chip Temp Max"), 200);
            t && (!out.chip_temp_c || *t > *out.chip_temp_c))
            out.chip_temp_c = t;
    }
    if (n > 0) out.frequency_mhz = sum / n;
}

void decode_v2_status(const json& reply, Reading& out) {
    const json& msg = object_at(reply, "Msg");
    if (msg.is_null()) return;
    // API 2.0.5: mineroff; API 1.4: btmineroff.
    for (const char* key : {"mineroff", "btmineroff"}) {
        if (auto off = text_bool(msg, key)) {
            out.mining = !*off;
            break;
        }
    }
    if (auto l = positive(json_number(msg, "power_limit_set"), 100000)) out.power_limit_w = l;
    for (const char* key : {"FirmwareVersion", "Firmware Version"}) {
        if (auto fw = json_string(msg, key); !fw.empty() && out.version.firmware.empty())
            out.version.firmware = fw;
    }
}

void decode_v2_devdetails(const json& reply, Reading& out) {
    const json& d = transport::first_of(reply, "DEVDETAILS");
    if (auto m = json_string(d, "Model"); !m.empty()) out.model = "Whatsminer " + m;
}

void decode_v2_errors(const json& reply, Reading& out) {
    const json& msg = object_at(reply, "Msg");
    if (auto it = msg.find("error_code"); !msg.is_null() && it != msg.end())
        out.errors = error_list(*it);
}

void decode_v3_device_info(const json& reply, Reading& out, std::string* salt) {
    const json& msg = object_at(reply, "msg");
    const json& miner = object_at(msg, "miner");
    const json& system = object_at(msg, "system");
    if (auto t = json_string(miner, "type"); !t.empty()) out.model = "Whatsminer " + t;
    if (auto w = text_bool(miner, "working")) out.mining = *w;
    if (!system.is_null()) {
        out.version.api = json_string(system, "api");
        out.version.firmware = json_string(system, "fwversion");
        out.version.platform = json_string(system, "platform");
    }
    if (auto it = msg.find("error-code"); !msg.is_null() && it != msg.end())
        out.errors = error_list(*it);
    if (salt) {
        if (auto s = json_string(msg, "salt"); !s.empty()) *salt = s;
    }
}

void decode_v3_summary(const json& reply, Reading& out) {
    const json& s = object_at(object_at(reply, "msg"), "summary");
    if (s.is_null()) return;
    if (auto h = json_number(s, "hash-realtime"); h && *h >= 0) out.hashrate_ths = h;
    out.factory_ths = positive(json_number(s, "factory-hash"), 1e6);
    summary_fields(s, {"power-realtime", "power-limit", "chip-temp-max", "chip-temp-avg",
                       "environment-temperature", "fan-speed-in", "fan-speed-out"},
                   out);
    out.frequency_mhz = positive(json_number(s, "freq-avg"), 5000);
}

std::string v3_failure(const json& reply) {
    if (!reply.is_object()) return "reply is not a JSON object";
    auto code = json_number(reply, "code");
    if (!code) return "reply has no code";
    if (*code == 0) return {};
    std::string msg = reply.contains("msg") && reply["msg"].is_string()
                          ? reply["msg"].get<std::string>()
                          : reply.contains("msg") ? reply["msg"].dump() : "";
    return "code " + transport::whole_number_text(*code) + (msg.empty() ? "" : ": " + msg);
}

V2Token v2_token(std::string_view password, std::string_view salt, std::string_view time,
                 std::string_view newsalt) {
    const std::string key = crypto::md5_crypt_hash(password, salt);
    return V2Token{crypto::sha256(key),
                   crypto::md5_crypt_hash(key + std::string(time), newsalt)};
}

std::string v2_seal(const V2Token& token, json command) {
    command["token"] = token.sign;
    auto enc = crypto::aes256_ecb_encrypt(token.aes_key, command.dump());
    return json{{"enc", 1}, {"data", crypto::base64_encode(enc.value_or(std::string()))}}.dump();
}

std::optional<std::string> v2_open(std::string_view aes_key, std::string_view base64) {
    auto cipher = crypto::base64_decode(base64);
    if (!cipher) return std::nullopt;
    auto plain = crypto::aes256_ecb_decrypt(aes_key, *cipher);
    if (!plain) return std::nullopt;
    while (!plain->empty() && plain->back() == '\0') plain->pop_back();   // NUL padding
    return plain;
}

std::string v3_token(std::string_view cmd, std::string_view password, std::string_view salt,
                     long long ts) {
    std::string text(cmd);
    text += password;
    text += salt;
    text += std::to_string(ts);
    return crypto::base64_encode(crypto::sha256(text)).substr(0, 8);
}

}  // namespace hashsink::miners::whatsminer
