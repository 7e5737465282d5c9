#include "adapters/miners/braiins/braiins_codec.hpp"

#include <algorithm>
#include <cmath>

#include "adapters/transport/cgminer_client.hpp"

namespace hashsink::miners::braiins {
namespace {

using nlohmann::json;
using transport::json_number;

// obj[a][b]...: null when any step is missing.
const json& at(const json& obj, std::initializer_list<const char*> path) {
    static const json kNull;
    const json* cur = &obj;
    for (const char* k : path) {
        if (!cur->is_object()) return kNull;
        auto it = cur->find(k);
        if (it == cur->end()) return kNull;
        cur = &*it;
    }
    return *cur;
}

std::optional<double> num_at(const json& obj, std::initializer_list<const char*> path,
                             const char* leaf) {
    return json_number(at(obj, path), leaf);
}

}  // namespace

Result<PowerRange> decode_power_range(const json& constraints) {
    const json& pt = at(constraints, {"tuner_constraints", "power_target"});
    PowerRange r;
    auto mn = num_at(pt, {"min"}, "watt");
    auto df = num_at(pt, {"default"}, "watt");
    auto mx = num_at(pt, {"max"}, "watt");
    if (!mn || !mx || *mn <= 0 || *mx < *mn || *mx > 100000) {
        return Status::error(ErrorCode::protocol,
                             "configuration/constraints: no usable tuner power_target range");
    }
    r.min_w = *mn;
    r.max_w = *mx;
    r.default_w = std::clamp(df.value_or(*mx), *mn, *mx);
    return r;
}

double idle_power_estimate_w(double default_w) { return std::max(20.0, default_w * 0.01); }

MinerCaps build_caps(const PowerRange& range, const json& details, double step_w) {
    MinerCaps caps;
    const double sticker_ths =
        num_at(details, {"sticker_hashrate"}, "gigahash_per_second").value_or(0) / 1000.0;
    auto level = [&](double w) {
        PowerLevel l;
        l.power_w = w;
        // Hashrate roughly follows power near stock; below it efficiency improves a little.
        l.hashrate_ths = range.default_w > 0 ? sticker_ths * std::pow(w / range.default_w, 0.85)
                                             : 0;
        return l;
    };
    caps.levels.push_back(level(range.min_w));
    if (range.default_w > range.min_w && range.default_w < range.max_w)
        caps.levels.push_back(level(range.default_w));
    if (range.max_w > range.min_w) caps.levels.push_back(level(range.max_w));
    caps.nominal_level = 0;
    for (std::size_t i = 0; i < caps.levels.size(); ++i)
        if (caps.levels[i].power_w == range.default_w) caps.nominal_level = i;
    caps.continuous_power = true;
    caps.power_step_w = step_w;
    caps.can_pause = true;
    caps.idle_power_w = idle_power_estimate_w(range.default_w);
    return caps;
}

std::optional<double> current_power_target_w(const json& tuner) {
    return num_at(tuner, {"mode_state", "powertargetmodestate", "current_target"}, "watt");
}

MinerState decode_state(const Bodies& b) {
    MinerState s;
    s.driver = "braiins";
    s.online = true;
    s.model = transport::json_string(at(b.details, {"miner_identity"}), "miner_model");
    if (s.model.empty()) s.model = transport::json_string(at(b.details, {"miner_identity"}), "name");
    s.firmware = transport::json_string(at(b.details, {"bos_version"}), "current");
    const int status = transport::json_integer<int>(b.details, "status").value_or(0);
    switch (static_cast<BosStatus>(status)) {
        case BosStatus::normal: s.state = MinerRunState::mining; break;
        case BosStatus::paused: s.state = MinerRunState::paused; break;
        case BosStatus::not_started:
            s.state = MinerRunState::paused;
            s.detail = "bosminer not started";
            break;
        case BosStatus::suspended:
            s.state = MinerRunState::paused;
            s.detail = "suspended";
            break;
        case BosStatus::restricted:
            s.state = MinerRunState::error;
            s.detail = "restricted";
            break;
        default:
            s.state = MinerRunState::error;
            s.detail = "status " + std::to_string(status);
            break;
    }
    const json& ms = at(b.stats, {"miner_stats", "real_hashrate"});
    if (auto g = num_at(ms, {"last_5s"}, "gigahash_per_second")) s.hashrate_ths = *g / 1000.0;
    if (auto w = num_at(b.stats, {"power_stats", "approximated_consumption"}, "watt"))
        s.power_w = *w;
    if (auto t = num_at(b.cooling, {"highest_temperature", "temperature"}, "degree_c"))
        s.chip_temp_c = *t;
    const json& fans = at(b.cooling, {"fans"});
    if (fans.is_array() && !fans.empty()) {
        double sum = 0;
        int n = 0;
        for (const auto& f : fans)
            if (auto r = json_number(f, "rpm")) { sum += *r; ++n; }
        if (n > 0) s.fan_rpm = sum / n;
    }
    const json& boards = at(b.hashboards, {"hashboards"});
    if (boards.is_array()) {
        double f_sum = 0, v_sum = 0, board_max = -1;
        int n = 0;
        for (const auto& hb : boards) {
            if (!transport::json_bool(hb, "enabled").value_or(true)) continue;
            auto f = num_at(hb, {"current_frequency"}, "hertz");
            auto v = num_at(hb, {"current_voltage"}, "volt");
            if (f && v) { f_sum += *f; v_sum += *v; ++n; }
            if (auto t = num_at(hb, {"highest_chip_temp", "temperature"}, "degree_c"))
                board_max = std::max(board_max, *t);
        }
        if (n > 0) s.frequency_mhz = f_sum / n / 1e6;
        if (board_max >= 0) s.chip_temp_c = board_max;
    }
    if (auto target = current_power_target_w(b.tuner)) {
        std::string t = "power target " + transport::whole_number_text(*target) + " W";
        s.detail = s.detail.empty() ? t : s.detail + "; " + t;
    }
    return s;
}

}  // namespace hashsink::miners::braiins
