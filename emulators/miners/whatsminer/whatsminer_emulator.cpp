#include "emulators/miners/whatsminer/whatsminer_emulator.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

#include "adapters/miners/crypto.hpp"

namespace hashsink::miners::whatsminer {
namespace {

using nlohmann::ordered_json;
using json = nlohmann::json;

// Set while the 4028 thread serves a request that came in the AES envelope.
thread_local const V2Token* tls_envelope = nullptr;

long now_s() { return static_cast<long>(std::time(nullptr)); }

// The Msg envelope of v2's own commands: {"Code":131,"Description":"","Msg":{..},"STATUS":"S"}.
std::string msg_reply(const ordered_json& msg) {
    return ordered_json{{"Code", 131}, {"Description", ""}, {"Msg", msg}, {"STATUS", "S"},
                        {"When", now_s()}}
        .dump();
}

std::string v2_error(int code, const std::string& msg, const std::string& description = "") {
    return ordered_json{{"STATUS", "E"}, {"When", now_s()}, {"Code", code}, {"Msg", msg},
                        {"Description", description}}
        .dump();
}

std::string v3_answer(const std::string& cmd, int code, const ordered_json& msg) {
    return ordered_json{{"code", code}, {"desc", cmd}, {"msg", msg}, {"when", now_s()}}.dump();
}

bool is_write(const std::string& cmd) {
    return cmd == "power_off" || cmd == "power_on" || cmd == "adjust_power_limit" ||
           cmd.rfind("set.", 0) == 0;
}

std::optional<double> number_of(const json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        char* end = nullptr;
        double d = std::strtod(s.c_str(), &end);
        if (end != s.c_str() && *end == '\0') return d;
    }
    return std::nullopt;
}

}  // namespace

EmulatorConfig v3_defaults() {
    EmulatorConfig c;
    c.api = Api::v3;
    c.password = "super";
    c.max_power_w = 3600;
    c.power_limit_w = 3600;
    c.factory_ths = 181;
    return c;
}

WhatsminerEmulator::WhatsminerEmulator(EmulatorConfig config, emu::SharedClock emu_clock)
    : CgminerEmulator(config, std::move(emu_clock)),
      config_(std::move(config)),
      mining_(config_.mining),
      limit_w_(std::clamp(config_.power_limit_w, 1.0, config_.max_power_w)),
      power_(clock(), config_.lag_s, mining_ ? limit_w_ * 0.97 : config_.idle_power_w),
      booted_(clock().now()) {}

WhatsminerEmulator::~WhatsminerEmulator() { stop(); }

Status WhatsminerEmulator::start() {
    if (auto st = CgminerEmulator::start(); !st) return st;
    if (config_.api != Api::v3) return Status::success();
    return v3_.start(config_.bind, config_.v3_port, [this](const std::string& body) {
        if (offline()) return std::optional<std::string>();   // rebooting: drop the connection
        return handle(body);
    });
}

void WhatsminerEmulator::stop() {
    v3_.stop();
    CgminerEmulator::stop();
}

double WhatsminerEmulator::target_w() const {
    return mining_ ? limit_w_ * 0.97 : config_.idle_power_w;
}

bool WhatsminerEmulator::mining() const {
    std::lock_guard lock(mutex_);
    return mining_;
}

double WhatsminerEmulator::power_limit_w() const {
    std::lock_guard lock(mutex_);
    return limit_w_;
}

double WhatsminerEmulator::power_w() const {
    std::lock_guard lock(mutex_);
    return advance();
}

std::size_t WhatsminerEmulator::writes() const {
    std::lock_guard lock(mutex_);
    return writes_;
}

void WhatsminerEmulator::expire_tokens() {
    std::lock_guard lock(mutex_);
    tokens_.clear();
    v3_salt_ = "Rot" + std::to_string(++salt_counter_) + "sAlt";
}

void WhatsminerEmulator::on_reboot() {
    std::lock_guard lock(mutex_);
    power_.reset(0);   // ramps again from nothing
    booted_ = clock().now();
    tokens_.clear();
}

bool WhatsminerEmulator::set_limit(double w) {
    if (!std::isfinite(w) || w < 100 || w > config_.max_power_w) return false;
    if (!ignore_writes()) limit_w_ = w;
    return true;
}

std::optional<std::string> WhatsminerEmulator::handle_raw(const std::string& raw) {
    auto req = json::parse(raw, nullptr, false);
    auto enc = req.is_object() ? req.find("enc") : req.end();
    if (!req.is_object() || enc == req.end() || config_.api != Api::v2)
        return CgminerEmulator::handle_raw(raw);
    // The AES envelope: the key comes from the password and this device's salt.
    V2Token key = v2_token(config_.password, salt_, "", "");
    auto data = req.find("data");
    auto plain = data != req.end() && data->is_string()
                     ? v2_open(key.aes_key, data->get<std::string>())
                     : std::nullopt;
    if (!plain || !json::parse(*plain, nullptr, false).is_object())
        return v2_error(23, "invalid JSON");   // what a wrong password produces
    tls_envelope = &key;
    auto out = CgminerEmulator::handle_raw(*plain);
    tls_envelope = nullptr;
    if (!out || out->find("\"STATUS\":\"S\"") == std::string::npos) return out;
    auto sealed = crypto::aes256_ecb_encrypt(key.aes_key, *out);
    return json{{"enc", crypto::base64_encode(sealed.value_or(""))}}.dump();
}

std::optional<std::string> WhatsminerEmulator::reply(const std::string& cmd, const std::string&,
                                                     const json& request) {
    std::lock_guard lock(mutex_);
    advance();
    if (cmd.find('.') != std::string::npos) {
        if (config_.api != Api::v3) return v3_answer(cmd, -2, "invalid command");
        return v3_reply(cmd, request);
    }
    return v2_reply(cmd, request);
}

std::string WhatsminerEmulator::v2_reply(const std::string& cmd, const json& request) {
    const bool v3 = config_.api == Api::v3;
    const double ths = mining_ ? config_.factory_ths * power_.watts() / config_.max_power_w : 0;
    const long elapsed = static_cast<long>(
        std::chrono::duration_cast<std::chrono::seconds>(clock().now() - booted_).count());
    if (cmd == "version") return v2_error(14, "invalid cmd", "whatsminer v1.1");
    if (cmd == "get_version") {
        return msg_reply({{"api_ver", v3 ? "3.0.2" : "2.0.5"},
                          {"fw_ver", v3 ? "20251209.16.Rel2" : "20230803.11.REL"},
                          {"platform", "H616"}});
    }
    if (v3) return v2_error(14, "invalid cmd");   // v3 firmware: the rest moved to 4433
    if (cmd == "summary") {
        ordered_json s = {{"Accepted", 5412},
                          {"Chip Temp Avg", mining_ ? 72.5 : 35.0},
                          {"Chip Temp Max", mining_ ? 81.0 : 36.0},
                          {"Chip Temp Min", mining_ ? 62.0 : 34.0},
                          {"Elapsed", elapsed},
                          {"Env Temp", 28.5},
                          {"Factory GHS", static_cast<long>(config_.factory_ths * 1000)},
                          {"Fan Speed In", mining_ ? 5400 : 2000},
                          {"Fan Speed Out", mining_ ? 5280 : 1950},
                          {"HS RT", ths * 1e6},
                          {"Hash Stable", true},
                          {"MAC", "D4:01:02:03:04:05"},
                          {"MHS av", ths * 1e6},
                          {"Power", std::lround(power_.watts())},
                          {"Power Limit", std::lround(limit_w_)},
                          {"Power Mode", "Normal"},
                          {"Target Freq", 600},
                          {"Uptime", elapsed}};
        auto out = status_reply("S", 11, "Summary");
        out["SUMMARY"] = ordered_json::array({s});
        return out.dump();
    }
    if (cmd == "devs" || cmd == "edevs") {
        auto out = status_reply("S", 9, "3 ASC(s)");
        out["DEVS"] = ordered_json::array();
        for (int i = 0; i < 3; ++i) {
            out["DEVS"].push_back({{"ASC", i}, {"Chip Frequency", 600}, {"Chip Temp Max", 80.0 + i},
                                   {"Enabled", "Y"}, {"ID", i}, {"MHS av", ths * 1e6 / 3},
                                   {"Name", "SM"}, {"Slot", i}, {"Status", "Alive"}});
        }
        return out.dump();
    }
    if (cmd == "devdetails") {
        auto out = status_reply("S", 69, "Device Details");
        out["DEVDETAILS"] = ordered_json::array(
            {{{"DEVDETAILS", 0}, {"Name", "SM"}, {"ID", 0}, {"Driver", "bitmicro"}, {"Model", "M50S"}}});
        return out.dump();
    }
    if (cmd == "status") {
        return msg_reply({{"FirmwareVersion", "20230803.11.REL"},
                          {"hash_percent", "0"},
                          {"mineroff", mining_ ? "false" : "true"},
                          {"mineroff_reason", mining_ ? "" : "api"},
                          {"mineroff_time", ""},
                          {"power_limit_set", std::to_string(std::lround(limit_w_))},
                          {"power_mode", "normal"}});
    }
    if (cmd == "get_miner_info") {
        return msg_reply({{"hostname", "WhatsMiner"}, {"ledstat", "auto"}, {"mac", "D4:01:02:03:04:05"}});
    }
    if (cmd == "get_error_code") return msg_reply({{"error_code", ordered_json::array()}});
    if (cmd == "get_token") {
        const std::string time = std::to_string(now_s() % 10000);
        const std::string newsalt = "N" + std::to_string(++salt_counter_) + "sAlt";
        tokens_.push_back({v2_token(config_.password, salt_, time, newsalt).sign, clock().now()});
        if (tokens_.size() > 32) tokens_.erase(tokens_.begin());
        return msg_reply({{"time", time}, {"salt", salt_}, {"newsalt", newsalt}});
    }
    if (is_write(cmd)) return v2_write(cmd, request);
    return v2_error(14, "invalid cmd");
}

std::string WhatsminerEmulator::v2_write(const std::string& cmd, const json& request) {
    if (tls_envelope == nullptr) return v2_error(45, "can't access write cmd");
    const std::string sign = request.value("token", std::string());
    const auto ttl = std::chrono::duration<double>(config_.token_ttl_s);
    const bool valid = std::any_of(tokens_.begin(), tokens_.end(), [&](const Issued& t) {
        return t.sign == sign && clock().now() - t.at < ttl;
    });
    if (!valid) return v2_error(135, "token has expired");
    ++writes_;
    if (cmd == "power_off") {
        if (!ignore_writes()) mining_ = false;
    } else if (cmd == "power_on") {
        if (!ignore_writes()) mining_ = true;
    } else if (cmd == "adjust_power_limit") {
        auto w = request.contains("power_limit") ? number_of(request["power_limit"]) : std::nullopt;
        if (!w || !set_limit(*w)) return v2_error(14, "invalid power_limit");
    } else {
        return v2_error(14, "invalid cmd");
    }
    return ordered_json{{"STATUS", "S"}, {"When", now_s()}, {"Code", 131},
                        {"Msg", "API command OK"}, {"Description", ""}}
        .dump();
}

std::string WhatsminerEmulator::v3_reply(const std::string& cmd, const json& request) {
    const json param = request.is_object() && request.contains("param") ? request["param"] : json();
    const double ths = mining_ ? config_.factory_ths * power_.watts() / config_.max_power_w : 0;
    if (cmd == "get.device.info") {
        if (param == "salt") return v3_answer(cmd, 0, {{"salt", v3_salt_}});
        return v3_answer(
            cmd, 0,
            {{"miner", {{"board-num", "3"}, {"type", "M60S_VK40"},
                        {"working", mining_ ? "true" : "false"}, {"hash-percent", "0"}}},
             {"power", {{"fanspeed", 6344}, {"model", "P221B"}, {"type", "P221B"}}},
             {"salt", v3_salt_},
             {"system", {{"api", "3.0.2"}, {"apiswitch", "1"}, {"fwversion", "20251209.16.Rel2"},
                         {"platform", "H616"}}}});
    }
    if (cmd == "get.miner.status") {
        const long elapsed = static_cast<long>(
            std::chrono::duration_cast<std::chrono::seconds>(clock().now() - booted_).count());
        ordered_json summary = {
            {"board-temperature", {41.1, 40.1, 41.5}},
            {"chip-temp-avg", mining_ ? 75.5 : 35.0},
            {"chip-temp-max", mining_ ? 82.0 : 36.0},
            {"chip-temp-min", mining_ ? 68.0 : 34.0},
            {"elapsed", elapsed},
            {"environment-temperature", 28.5},
            {"factory-hash", config_.factory_ths},
            {"fan-speed-in", mining_ ? 5400 : 2000},
            {"fan-speed-out", mining_ ? 5280 : 1950},
            {"freq-avg", 625},
            {"hash-average", ths},
            {"hash-realtime", ths},
            {"power-limit", std::lround(limit_w_)},
            {"power-realtime", std::round(power_.watts())},
            {"up-freq-finish", 1}};
        return v3_answer(cmd, 0, {{"summary", summary}});
    }
    if (cmd == "get.miner.setting") {
        return v3_answer(cmd, 0, {{"power-limit", std::lround(limit_w_)}, {"power-mode", "normal"}});
    }
    if (is_write(cmd)) return v3_write(cmd, request);
    return v3_answer(cmd, -2, "invalid command");
}

std::string WhatsminerEmulator::v3_write(const std::string& cmd, const json& request) {
    const long long ts = request.value("ts", 0LL);
    const bool signed_ok = request.value("account", std::string()) == config_.account &&
                           std::llabs(ts - now_s()) <= 120 &&
                           request.value("token", std::string()) ==
                               v3_token(cmd, config_.password, v3_salt_, ts);
    if (!signed_ok) return v3_answer(cmd, -4, "no permission");
    const json param = request.contains("param") ? request["param"] : json();
    ++writes_;
    if (cmd == "set.miner.service") {
        if (param != "start" && param != "stop" && param != "restart")
            return v3_answer(cmd, -1, "invalid param");
        if (!ignore_writes()) mining_ = param != "stop";
    } else if (cmd == "set.miner.power_limit") {
        auto w = number_of(param);
        if (!w || !set_limit(*w)) return v3_answer(cmd, -1, "invalid param");
    } else {
        return v3_answer(cmd, -2, "invalid command");
    }
    return v3_answer(cmd, 0, "ok");
}

}  // namespace hashsink::miners::whatsminer
