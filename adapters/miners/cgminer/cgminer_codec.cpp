#include "adapters/miners/cgminer/cgminer_codec.hpp"

#include <cmath>
#include <cstdlib>
#include <vector>

#include "adapters/miners/fan_speed.hpp"
#include "adapters/transport/cgminer_client.hpp"

namespace hashsink::miners::cgminer {
namespace {

using nlohmann::json;
using transport::json_number;
using transport::json_string;

void take_max(std::optional<double>& acc, double v) {
    if (!std::isfinite(v) || v <= 0 || v > 200) return;
    if (!acc || v > *acc) acc = v;
}

void temps_into(const json& v, std::optional<double>& acc) {
    if (v.is_number()) {
        take_max(acc, v.get<double>());
    } else if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        std::size_t start = 0;
        while (start < s.size() && start < 256) {
            std::size_t dash = s.find('-', start);
            std::string part = s.substr(start, dash == std::string::npos ? std::string::npos : dash - start);
            char* end = nullptr;
            double t = std::strtod(part.c_str(), &end);
            if (end != part.c_str()) take_max(acc, t);
            if (dash == std::string::npos) break;
            start = dash + 1;
        }
    }
}

}  // namespace

void decode_version(const json& version, Reading& out) {
    const json& v = transport::first_of(version, "VERSION");
    if (v.is_object()) {
        for (const char* k : {"Type", "PROD", "Model"}) {
            if (auto s = json_string(v, k); !s.empty()) {
                out.model = s;
                break;
            }
        }
        for (const char* k : {"BMMiner", "CGMiner", "LUXminer", "BTMiner"}) {
            if (auto s = json_string(v, k); !s.empty()) {
                std::string name = k;
                for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                out.firmware = name + " " + s;
                break;
            }
        }
        if (auto s = json_string(v, "CGVERSION"); !s.empty()) out.firmware = s;
        else if (auto m = json_string(v, "Miner"); !m.empty()) out.firmware += " (" + m + ")";
    }
    if (out.firmware.empty()) out.firmware = transport::reply_status(version).description;
}

void decode_summary(const json& summary, Reading& out) {
    const json& s = transport::first_of(summary, "SUMMARY");
    if (!s.is_object()) return;
    if (auto g = json_number(s, "GHS 5s")) out.hashrate_ths = *g / 1e3;
    else if (auto m = json_number(s, "MHS 5s")) out.hashrate_ths = *m / 1e6;
    if (auto g = json_number(s, "GHS av")) out.average_ths = *g / 1e3;
    else if (auto m = json_number(s, "MHS av")) out.average_ths = *m / 1e6;
    if (out.firmware.empty()) out.firmware = transport::reply_status(summary).description;
}

void decode_stats(const json& stats, Reading& out) {
    if (!stats.is_object()) return;
    auto it = stats.find("STATS");
    if (it == stats.end() || !it->is_array()) return;
    for (const auto& e : *it) {
        if (!e.is_object()) continue;
        if (auto t = json_string(e, "Type"); !t.empty() && out.model.empty()) out.model = t;
        std::vector<double> fans;
        for (int i = 1; i <= 8; ++i) {
            const std::string n = std::to_string(i);
            if (auto f = json_number(e, "fan" + n)) fans.push_back(*f);
            for (const std::string& k : {"temp_chip" + n, "temp2_" + n, "temp2" + n})
                if (auto v = e.find(k); v != e.end()) temps_into(*v, out.chip_temp_c);
            for (const std::string& k : {"temp_pcb" + n, "temp" + n})
                if (auto v = e.find(k); v != e.end()) temps_into(*v, out.board_temp_c);
        }
        if (auto rpm = mean_fan_rpm(fans)) out.fan_rpm = rpm;
        if (auto f = json_number(e, "total_freqavg"); f && *f > 0) out.frequency_mhz = *f;
        else if (auto f2 = json_number(e, "frequency"); f2 && *f2 > 0) out.frequency_mhz = *f2;
        if (auto g = json_number(e, "GHS 5s"); g && !out.hashrate_ths) out.hashrate_ths = *g / 1e3;
        for (const char* k : {"Power", "power", "watt"})
            if (auto p = json_number(e, k); p && *p > 0) out.power_w = *p;
    }
}

}  // namespace hashsink::miners::cgminer
