#include "adapters/miners/luxos/luxos_codec.hpp"

#include <algorithm>
#include <cmath>

#include "adapters/transport/cgminer_client.hpp"

namespace hashsink::miners::luxos {
namespace {

using nlohmann::json;
using transport::first_of;
using transport::json_number;
using transport::json_string;

}  // namespace

Result<std::vector<Profile>> decode_profiles(const json& reply) {
    std::vector<Profile> out;
    auto it = reply.is_object() ? reply.find("PROFILES") : reply.end();
    if (it == reply.end() || !it->is_array()) {
        return Status::error(ErrorCode::protocol, "profiles: no PROFILES list");
    }
    for (const auto& p : *it) {
        if (out.size() >= 256) break;   // hostile input: a real list has a few dozen
        Profile prof;
        prof.name = json_string(p, "Profile Name");
        auto watts = json_number(p, "Watts");
        if (prof.name.empty() || prof.name.size() > 64 || !watts || *watts <= 0 || *watts > 100000)
            continue;
        prof.watts = *watts;
        prof.frequency_mhz = json_number(p, "Frequency").value_or(0);
        prof.hashrate_ths = json_number(p, "Hashrate").value_or(0);
        prof.voltage_v = json_number(p, "Voltage").value_or(0);
        prof.step =
            transport::json_integer<int>(p, "Step").value_or(prof.name == "default" ? 0 : -1);
        out.push_back(prof);
    }
    if (out.empty()) return Status::error(ErrorCode::protocol, "profiles: no usable profile");
    std::stable_sort(out.begin(), out.end(), [](const Profile& a, const Profile& b) {
        return a.watts != b.watts ? a.watts < b.watts : a.frequency_mhz < b.frequency_mhz;
    });
    return out;
}

std::vector<Profile> usable_profiles(const std::vector<Profile>& profiles, bool allow_overclock) {
    std::vector<Profile> out;
    for (const auto& p : profiles)
        if (allow_overclock || p.step <= 0) out.push_back(p);
    return out;
}

double idle_power_estimate_w(double stock_w) { return std::max(15.0, stock_w * 0.01); }

MinerCaps build_caps(const std::vector<Profile>& profiles, bool allow_overclock) {
    MinerCaps caps;
    auto usable = usable_profiles(profiles, allow_overclock);
    double stock_w = 0;
    for (std::size_t i = 0; i < usable.size(); ++i) {
        const auto& p = usable[i];
        PowerLevel l;
        l.power_w = p.watts;
        l.hashrate_ths = p.hashrate_ths;
        if (p.frequency_mhz > 0) l.frequency_mhz = p.frequency_mhz;
        caps.levels.push_back(l);
        if (p.name == "default" || (p.step == 0 && stock_w == 0)) {
            caps.nominal_level = i;
            stock_w = p.watts;
        }
        if (p.frequency_mhz > 0) caps.frequency_options_mhz.push_back(p.frequency_mhz);
    }
    if (stock_w == 0 && !caps.levels.empty()) {
        caps.nominal_level = caps.levels.size() - 1;
        stock_w = caps.levels.back().power_w;
    }
    std::sort(caps.frequency_options_mhz.begin(), caps.frequency_options_mhz.end());
    caps.frequency_options_mhz.erase(
        std::unique(caps.frequency_options_mhz.begin(), caps.frequency_options_mhz.end()),
        caps.frequency_options_mhz.end());
    caps.can_pause = true;
    caps.idle_power_w = idle_power_estimate_w(stock_w);
    return caps;
}

MinerState decode_state(const Replies& r) {
    MinerState s;
    s.driver = "luxos";
    s.online = true;
    const json& config = first_of(r.config, "CONFIG");
    const json& version = first_of(r.version, "VERSION");
    s.model = json_string(config, "Model");
    if (s.model.empty()) s.model = json_string(version, "Type");
    s.firmware = json_string(version, "LUXminer");
    if (s.firmware.empty()) s.firmware = transport::reply_status(r.config).description;
    if (s.firmware.rfind("LUXminer ", 0) == 0) s.firmware = s.firmware.substr(9);

    const std::string curtail = json_string(config, "CurtailMode");
    const std::string system = json_string(config, "SystemStatus");
    if (curtail == "Sleep") s.state = MinerRunState::paused;
    else s.state = MinerRunState::mining;
    if (!system.empty() && system != "Normal") s.detail = "SystemStatus " + system;

    if (auto ghs = json_number(first_of(r.summary, "SUMMARY"), "GHS 5s")) {
        s.hashrate_ths = *ghs / 1000.0;
    }
    if (auto w = json_number(first_of(r.power, "POWER"), "Watts")) s.power_w = *w;

    // Hottest sensor over all boards (the firmware reports no chip temperature directly).
    if (r.temps.is_object()) {
        auto it = r.temps.find("TEMPS");
        if (it != r.temps.end() && it->is_array()) {
            std::optional<double> hottest;
            for (const auto& board : *it) {
                if (!board.is_object()) continue;
                for (const char* k : {"TopLeft", "TopRight", "BottomLeft", "BottomRight"}) {
                    auto t = json_number(board, k);
                    if (t && *t > 0 && *t < 200 && (!hottest || *t > *hottest)) hottest = t;
                }
            }
            s.chip_temp_c = hottest;
        }
    }
    if (r.fans.is_object()) {
        auto it = r.fans.find("FANS");
        if (it != r.fans.end() && it->is_array()) {
            double sum = 0;
            int n = 0;
            for (const auto& f : *it) {
                if (auto rpm = json_number(f, "RPM"); rpm && *rpm >= 0) {
                    sum += *rpm;
                    ++n;
                }
            }
            if (n > 0) s.fan_rpm = sum / n;
        }
    }
    std::string profile = json_string(config, "Profile");
    if (!profile.empty()) {
        std::string p = "profile " + profile;
        if (auto atm = transport::json_bool(config, "IsAtmEnabled"); atm && *atm) p += " (ATM on)";
        s.detail = s.detail.empty() ? p : s.detail + "; " + p;
    }
    return s;
}

}  // namespace hashsink::miners::luxos
