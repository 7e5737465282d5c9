#include "adapters/miners/antminer/antminer_codec.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "adapters/miners/fan_speed.hpp"
#include "adapters/miners/json_fields.hpp"

namespace hashsink::miners::antminer {
namespace {

using nlohmann::json;

// Divisor from a rate unit to TH/s ("GH/s", "GH", "TH/s", "MH/s").
double to_ths_divisor(const std::string& unit) {
    std::string u;
    for (char c : unit) u += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (u.rfind("TH", 0) == 0) return 1;
    if (u.rfind("MH", 0) == 0) return 1e6;
    if (u.rfind("PH", 0) == 0) return 1e-3;
    return 1e3;   // GH/s, the usual
}

const json* first_of(const json& root, const char* key) {
    if (!root.is_object()) return nullptr;
    auto it = root.find(key);
    if (it == root.end()) return nullptr;
    if (it->is_array()) return it->empty() ? nullptr : &(*it)[0];
    if (it->is_object()) return &*it;
    return nullptr;
}

void take_max(std::optional<double>& acc, double v) {
    if (!std::isfinite(v) || v <= 0 || v > 200) return;   // 0: no sensor; >200: garbage
    if (!acc || v > *acc) acc = v;
}

// "78-50-69-70" (RPC) or [78, 50, 69, 70] (CGI).
void max_of_temps(const json& v, std::optional<double>& acc) {
    if (v.is_array()) {
        for (const auto& e : v)
            if (e.is_number()) take_max(acc, e.get<double>());
    } else if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        std::size_t start = 0;
        while (start < s.size() && start < 256) {
            std::size_t dash = s.find('-', start);
            std::string part = s.substr(start, dash == std::string::npos ? std::string::npos
                                                                        : dash - start);
            char* end = nullptr;
            double t = std::strtod(part.c_str(), &end);
            if (end != part.c_str()) take_max(acc, t);
            if (dash == std::string::npos) break;
            start = dash + 1;
        }
    } else if (v.is_number()) {
        take_max(acc, v.get<double>());
    }
}

}  // namespace

const char* to_string(WorkMode m) noexcept {
    switch (m) {
        case WorkMode::normal: return "normal";
        case WorkMode::sleep: return "sleep";
        case WorkMode::high: return "high";
        case WorkMode::low: return "low";
    }
    return "?";
}

std::optional<WorkMode> work_mode_from_int(int v) {
    if (v < 0 || v > 3) return std::nullopt;
    return static_cast<WorkMode>(v);
}

std::optional<WorkMode> decode_work_mode(const json& conf) {
    for (const char* key : {"bitmain-work-mode", "miner-mode"}) {
        if (auto v = json_number(conf, key)) {
            auto mode = transport::to_integer<int>(*v);
            if (!mode || *v != *mode) return std::nullopt;
            return work_mode_from_int(*mode);
        }
    }
    return std::nullopt;
}

std::string set_conf_body(const json& conf, WorkMode mode) {
    json body = json::object();
    if (conf.is_object()) {
        if (auto it = conf.find("pools"); it != conf.end() && it->is_array()) body["pools"] = *it;
        if (auto v = json_bool(conf, "bitmain-fan-ctrl")) body["bitmain-fan-ctrl"] = *v;
        if (auto s = json_string(conf, "bitmain-fan-pwm"); !s.empty()) body["bitmain-fan-pwm"] = s;
        if (auto s = json_string(conf, "bitmain-freq-level"); !s.empty()) body["freq-level"] = s;
    }
    body["miner-mode"] = static_cast<int>(mode);
    body["bitmain-work-mode"] = std::to_string(static_cast<int>(mode));
    return body.dump();
}

Status check_set_conf_reply(std::string_view body) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return Status::success();
    std::string code = json_string(j, "code");
    std::string stats = json_string(j, "stats");
    if (code.empty() || code == "M000" || (code.empty() && stats == "success"))
        return Status::success();
    std::string msg = json_string(j, "msg");
    return Status::error(ErrorCode::rejected,
                         "set_miner_conf refused: code " + code + (msg.empty() ? "" : " '" + msg + "'"),
                         false);
}

void decode_summary(const json& summary, Telemetry& out) {
    const json* s = first_of(summary, "SUMMARY");
    if (!s) return;
    if (auto r = json_number(*s, "rate_5s")) {
        out.hashrate_ths = *r / to_ths_divisor(json_string(*s, "rate_unit"));
    } else if (auto g = json_number(*s, "GHS 5s")) {
        out.hashrate_ths = *g / 1e3;
    } else if (auto m = json_number(*s, "MHS 5s")) {
        out.hashrate_ths = *m / 1e6;
    }
    if (auto i = json_number(*s, "rate_ideal")) {
        out.ideal_hashrate_ths = *i / to_ths_divisor(json_string(*s, "rate_unit"));
    }
    if (auto info = first_of(summary, "INFO")) {
        if (auto t = json_string(*info, "type"); !t.empty()) out.type = t;
    }
}

void decode_stats(const json& stats, Telemetry& out) {
    if (!stats.is_object()) return;
    auto it = stats.find("STATS");
    if (it == stats.end() || !it->is_array()) return;
    for (const auto& e : *it) {
        if (!e.is_object()) continue;
        if (auto t = json_string(e, "Type"); !t.empty() && out.type.empty()) out.type = t;
        if (auto chains = e.find("chain"); chains != e.end() && chains->is_array()) {
            // Newer CGI shape.
            const double div = to_ths_divisor(json_string(e, "rate_unit"));
            if (auto r = json_number(e, "rate_5s"); r && !out.hashrate_ths) out.hashrate_ths = *r / div;
            if (auto r = json_number(e, "rate_ideal")) out.ideal_hashrate_ths = *r / div;
            double fsum = 0;
            int fn = 0;
            for (const auto& c : *chains) {
                if (!c.is_object()) continue;
                if (auto t = c.find("temp_chip"); t != c.end()) max_of_temps(*t, out.chip_temp_c);
                if (auto t = c.find("temp_pcb"); t != c.end()) max_of_temps(*t, out.board_temp_c);
                if (auto f = json_number(c, "freq_avg"); f && *f > 0) fsum += *f, ++fn;
            }
            if (fn > 0) out.frequency_mhz = fsum / fn;
            if (auto fans = e.find("fan"); fans != e.end() && fans->is_array()) {
                std::vector<double> v;
                for (const auto& f : *fans)
                    if (f.is_number() && v.size() < 16) v.push_back(f.get<double>());
                if (auto rpm = mean_fan_rpm(v)) out.fan_rpm = rpm;
            }
            if (auto w = json_number(e, "watt"); w && *w > 0) out.power_w = *w;
            if (auto m = transport::json_integer<int>(e, "miner-mode"))
                out.mode = work_mode_from_int(*m);
            continue;
        }
        if (e.contains("fan_num") || e.contains("temp_chip1") || e.contains("fan1")) {
            // cgminer RPC shape: numbered keys.
            if (auto g = json_number(e, "GHS 5s"); g && !out.hashrate_ths) out.hashrate_ths = *g / 1e3;
            if (auto i = json_number(e, "total_rateideal")) out.ideal_hashrate_ths = *i / 1e3;
            std::vector<double> fans;
            for (int i = 1; i <= 8; ++i) {
                std::string k = "temp_chip" + std::to_string(i);
                if (auto t = e.find(k); t != e.end()) max_of_temps(*t, out.chip_temp_c);
                k = "temp_pcb" + std::to_string(i);
                if (auto t = e.find(k); t != e.end()) max_of_temps(*t, out.board_temp_c);
                if (auto f = json_number(e, ("fan" + std::to_string(i)).c_str())) fans.push_back(*f);
            }
            if (auto rpm = mean_fan_rpm(fans)) out.fan_rpm = rpm;
            if (auto f = json_number(e, "total_freqavg"); f && *f > 0) out.frequency_mhz = *f;
            else if (auto f2 = json_number(e, "frequency"); f2 && *f2 > 0) out.frequency_mhz = *f2;
            if (auto w = json_number(e, "watt"); w && *w > 0) out.power_w = *w;
        }
    }
}

}  // namespace hashsink::miners::antminer
