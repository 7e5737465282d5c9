#include "adapters/miners/avalon/avalon_codec.hpp"

#include <cmath>
#include <cstdlib>
#include <vector>

#include "adapters/miners/fan_speed.hpp"

namespace hashsink::miners::avalon {
namespace {

std::optional<double> number(const std::map<std::string, std::string>& f, const char* key) {
    auto it = f.find(key);
    if (it == f.end() || it->second.empty()) return std::nullopt;
    const char* s = it->second.c_str();
    char* end = nullptr;
    double v = std::strtod(s, &end);
    if (end == s || !std::isfinite(v)) return std::nullopt;
    return v;
}

}  // namespace

std::map<std::string, std::string> parse_mm_fields(std::string_view text) {
    std::map<std::string, std::string> out;
    std::size_t i = 0;
    while (i < text.size() && out.size() < 512) {
        std::size_t open = text.find('[', i);
        if (open == std::string_view::npos) break;
        std::size_t key_start = open;
        while (key_start > i && text[key_start - 1] != ' ' && text[key_start - 1] != ']' &&
               text[key_start - 1] != '{' && text[key_start - 1] != '\'')
            --key_start;
        std::size_t close = text.find(']', open + 1);
        if (close == std::string_view::npos) break;
        std::string key(text.substr(key_start, open - key_start));
        std::string value(text.substr(open + 1, std::min<std::size_t>(close - open - 1, 4096)));
        if (!key.empty()) out.emplace(std::move(key), std::move(value));
        i = close + 1;
    }
    return out;
}

std::map<std::string, std::string> mm_fields(const nlohmann::json& stats) {
    if (!stats.is_object()) return {};
    auto it = stats.find("STATS");
    if (it == stats.end() || !it->is_array()) return {};
    for (const auto& e : *it) {
        if (!e.is_object()) continue;
        for (const auto& [k, v] : e.items()) {
            if (k.rfind("MM ID", 0) == 0 && v.is_string()) return parse_mm_fields(v.get<std::string>());
        }
    }
    return {};
}

MmState decode_mm(const std::map<std::string, std::string>& f) {
    MmState s;
    if (auto it = f.find("SYSTEMSTATU"); it != f.end()) {
        s.system_status = it->second.substr(0, 128);
        if (it->second.find("In Idle") != std::string::npos) s.idle = true;
        else if (it->second.find("In Work") != std::string::npos) s.idle = false;
    }
    if (auto m = number(f, "WORKMODE"); m && *m >= 0 && *m <= 9) s.work_mode = static_cast<int>(*m);
    if (auto g = number(f, "GHSspd"); g && *g >= 0) s.hashrate_ths = *g / 1e3;
    if (auto t = number(f, "TMax"); t && *t > 0 && *t < 200) s.chip_temp_c = *t;
    if (auto t = number(f, "ITemp"); t && *t > -40 && *t < 200) s.inlet_temp_c = *t;
    std::vector<double> fans;
    for (const char* k : {"Fan1", "Fan2", "Fan3", "Fan4"})
        if (auto v = number(f, k)) fans.push_back(*v);
    if (auto rpm = mean_fan_rpm(fans)) s.fan_rpm = rpm;
    if (auto fr = number(f, "Freq"); fr && *fr > 0) s.frequency_mhz = *fr;
    // Wall power: WALLPOWER[w] where the firmware has it (pyasic's Avalon backend), else the 7th
    // value of PS[...] (pyasic reads that on the Nano 3s). Canaan documents neither.
    if (auto w = number(f, "WALLPOWER"); w && *w > 0 && *w < 100000) {
        s.power_w = *w;
    } else if (auto ps = f.find("PS"); ps != f.end()) {
        std::vector<double> values;
        const char* p = ps->second.c_str();
        for (int i = 0; i < 16 && *p != '\0'; ++i) {
            char* end = nullptr;
            const double v = std::strtod(p, &end);
            if (end == p) break;
            values.push_back(v);
            p = end;
        }
        if (values.size() >= 7 && values[6] > 0 && values[6] < 100000) s.power_w = values[6];
    }
    return s;
}

}  // namespace hashsink::miners::avalon
