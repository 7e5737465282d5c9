#include "adapters/miners/vnish/vnish_codec.hpp"

#include <algorithm>
#include <cstdlib>

#include "adapters/miners/axeos/axeos_codec.hpp"
#include "adapters/transport/cgminer_client.hpp"

namespace hashsink::miners::vnish {
namespace {

using nlohmann::json;
using transport::json_number;
using transport::json_string;

const json& at(const json& obj, const char* key) {
    static const json kNull;
    if (!obj.is_object()) return kNull;
    auto it = obj.find(key);
    return it == obj.end() ? kNull : *it;
}

}  // namespace

Result<std::vector<Preset>> decode_presets(const json& list) {
    if (!list.is_array()) return Status::error(ErrorCode::protocol, "autotune/presets: not a list");
    std::vector<Preset> out;
    for (const auto& p : list) {
        if (out.size() >= 256) break;
        Preset pr;
        pr.name = json_string(p, "name");
        auto w = json_number(p, "name");
        if (!w || *w <= 0 || *w > 100000) continue;   // "disabled" and friends
        pr.watts = *w;
        pr.tuned = json_string(p, "status") == "tuned";
        const std::string pretty = json_string(p, "pretty");
        if (auto tilde = pretty.find('~'); tilde != std::string::npos) {
            pr.hashrate_ths = std::strtod(pretty.c_str() + tilde + 1, nullptr);
        }
        out.push_back(pr);
    }
    std::sort(out.begin(), out.end(), [](const Preset& a, const Preset& b) { return a.watts < b.watts; });
    return out;
}

bool has_throttle(const std::string& fw_version) {
    auto v = axeos::parse_version(fw_version);
    return v && *v >= axeos::FirmwareVersion{1, 3, 0};
}

double idle_power_estimate_w(double top_w) { return std::max(15.0, top_w * 0.01); }

MinerCaps build_caps(const std::vector<Preset>& presets, bool throttle,
                     std::vector<int>* throttle_pct, std::vector<std::string>* names) {
    MinerCaps caps;
    std::vector<Preset> tuned;
    for (const auto& p : presets)
        if (p.tuned) tuned.push_back(p);
    throttle_pct->clear();
    names->clear();
    if (tuned.empty()) return caps;
    if (throttle) {
        for (int pct : {50, 75}) {
            caps.levels.push_back({tuned.front().watts * pct / 100.0,
                                   tuned.front().hashrate_ths * pct / 100.0});
            throttle_pct->push_back(pct);
            names->push_back(tuned.front().name);
        }
    }
    for (const auto& p : tuned) {
        caps.levels.push_back({p.watts, p.hashrate_ths});
        throttle_pct->push_back(100);
        names->push_back(p.name);
    }
    caps.nominal_level = caps.levels.size() - 1;
    caps.can_pause = true;
    caps.idle_power_w = idle_power_estimate_w(tuned.back().watts);
    return caps;
}

std::string current_preset(const json& perf) {
    return json_string(at(perf, "current_preset"), "name");
}

MinerState decode_state(const json& summary, const json& info) {
    MinerState s;
    s.driver = "vnish";
    s.online = true;
    s.model = json_string(info, "miner");
    s.firmware = json_string(info, "fw_version");
    const json& miner = at(summary, "miner");
    const json& status = at(miner, "miner_status");
    const std::string state = json_string(status, "miner_state");
    if (state == "mining" || state == "initializing" || state == "starting" ||
        state == "auto-tuning" || state == "restarting") {
        s.state = MinerRunState::mining;
        if (state != "mining") s.detail = state;
    } else if (state == "stopped" || state == "shutting-down") {
        s.state = MinerRunState::paused;
    } else {
        s.state = MinerRunState::error;
        s.detail = state.empty() ? "no miner_state" : state;
        std::string d = json_string(status, "description");
        if (!d.empty()) s.detail += ": " + d;
    }
    // GH/s for sha256 (info.hr_measure); TH/s when the firmware says so.
    const double scale = json_string(info, "hr_measure") == "TH/s" ? 1.0 : 1.0 / 1000.0;
    if (auto h = json_number(miner, "hr_realtime")) s.hashrate_ths = *h * scale;
    if (auto w = json_number(miner, "power_consumption")) s.power_w = *w;
    if (auto t = json_number(at(miner, "chip_temp"), "max")) s.chip_temp_c = *t;
    const json& fans = at(at(miner, "cooling"), "fans");
    if (fans.is_array()) {
        double sum = 0;
        int n = 0;
        for (const auto& f : fans)
            if (auto r = json_number(f, "rpm")) { sum += *r; ++n; }
        if (n > 0) s.fan_rpm = sum / n;
    }
    const json& chains = at(miner, "chains");
    if (chains.is_array()) {
        double f = 0, v = 0;
        int n = 0;
        for (const auto& c : chains) {
            auto cf = json_number(c, "frequency");
            auto cv = json_number(c, "voltage");
            if (cf && cv) { f += *cf; v += *cv; ++n; }
        }
        if (n > 0) {
            s.frequency_mhz = f / n;
            s.core_voltage_mv = v / n;
        }
    }
    if (auto th = json_number(status, "throttled"); th && *th < 100) {
        std::string t = "throttled to " + transport::whole_number_text(*th) + " %";
        s.detail = s.detail.empty() ? t : s.detail + "; " + t;
    }
    return s;
}

}  // namespace hashsink::miners::vnish
