#include "adapters/miners/axeos/axeos_codec.hpp"
#include "adapters/miners/json_fields.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace hashsink::miners::axeos {
namespace {

using nlohmann::json;

std::vector<double> sorted_unique(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end(),
                        [](double a, double b) { return std::fabs(a - b) < 1e-9; }),
            v.end());
    return v;
}

std::vector<double> number_list(const json& obj, const char* key) {
    std::vector<double> out;
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_array()) return out;
    for (const auto& e : *it) {
        std::optional<double> v;
        if (e.is_number()) v = e.get<double>();
        else if (e.is_string()) v = json_number(json{{"v", e}}, "v");
        if (v && std::isfinite(*v) && *v > 0 && *v < 100000) out.push_back(*v);
        if (out.size() > 256) break;   // hostile input: a sane board has a dozen options
    }
    return sorted_unique(std::move(out));
}

std::size_t index_of_nearest(const std::vector<double>& v, double x) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < v.size(); ++i)
        if (std::fabs(v[i] - x) < std::fabs(v[best] - x)) best = i;
    return best;
}

}  // namespace

std::optional<FirmwareVersion> parse_version(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i]))) {
        if (i > 2) return std::nullopt;   // allow a short prefix such as "v"
        ++i;
    }
    int parts[3] = {0, 0, 0};
    int count = 0;
    while (count < 3 && i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
        long v = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            v = v * 10 + (text[i] - '0');
            if (v > 100000) return std::nullopt;
            ++i;
        }
        parts[count++] = static_cast<int>(v);
        if (i < text.size() && text[i] == '.') ++i;
        else break;
    }
    if (count < 2) return std::nullopt;
    return FirmwareVersion{parts[0], parts[1], parts[2]};
}

Result<json> parse_object(std::string_view body, std::string_view what) {
    json j;
    try {
        j = json::parse(body);
    } catch (const json::parse_error& e) {
        // Ending inside a value is a reply cut short (a dropped connection, a reboot), which
        // an installer looks for elsewhere than a firmware that sends garbage.
        const std::string why = e.byte > body.size()
                                    ? "cut short after " + std::to_string(body.size()) + " bytes"
                                    : "bad byte at " + std::to_string(e.byte);
        return Status::error(ErrorCode::protocol,
                             std::string(what) + ": body is not valid JSON (" + why + ")", true);
    }
    if (!j.is_object()) {
        return Status::error(ErrorCode::protocol,
                             std::string(what) + ": expected a JSON object, got " +
                                 j.type_name(),
                             true);
    }
    return j;
}

Result<AsicOptions> decode_asic(const json& asic) {
    AsicOptions o;
    o.asic_model = json_string(asic, "ASICModel");
    o.device_model = json_string(asic, "deviceModel");
    o.asic_count = static_cast<int>(std::clamp(json_number(asic, "asicCount").value_or(1), 1.0, 1024.0));
    o.frequency_options_mhz = number_list(asic, "frequencyOptions");
    o.voltage_options_mv = number_list(asic, "voltageOptions");
    auto df = json_number(asic, "defaultFrequency");
    auto dv = json_number(asic, "defaultVoltage");
    if (o.frequency_options_mhz.empty() || o.voltage_options_mv.empty() || !df || !dv ||
        *df <= 0 || *dv <= 0 || *df > 100000 || *dv > 100000) {
        return Status::error(ErrorCode::protocol,
                             "/api/system/asic: missing frequency/voltage options or defaults",
                             false);
    }
    o.default_frequency_mhz = *df;
    o.default_voltage_mv = *dv;
    // The stock point is always an option, even if a firmware forgot to list it.
    o.frequency_options_mhz.push_back(*df);
    o.voltage_options_mv.push_back(*dv);
    o.frequency_options_mhz = sorted_unique(std::move(o.frequency_options_mhz));
    o.voltage_options_mv = sorted_unique(std::move(o.voltage_options_mv));
    return o;
}

AsicOptions fallback_asic_options(const json& info) {
    AsicOptions o;
    o.estimated = true;
    o.asic_model = json_string(info, "ASICModel");
    double f = json_number(info, "frequency").value_or(0);
    double v = json_number(info, "coreVoltage").value_or(0);
    if (f <= 0 || f > 2000) f = 485;
    if (v <= 0 || v > 2000) v = 1200;
    o.default_frequency_mhz = f;
    o.default_voltage_mv = v;
    for (double step : {100.0, 75.0, 50.0, 25.0, 0.0})
        if (f - step >= 50) o.frequency_options_mhz.push_back(f - step);
    for (double step : {100.0, 50.0, 0.0})
        if (v - step >= 500) o.voltage_options_mv.push_back(v - step);
    o.frequency_options_mhz = sorted_unique(std::move(o.frequency_options_mhz));
    o.voltage_options_mv = sorted_unique(std::move(o.voltage_options_mv));
    return o;
}

bool firmware_can_pause(const json& info) {
    if (info.is_object() && info.contains("miningPaused")) return true;
    auto v = parse_version(json_string(info, "version"));
    return v && *v >= kPauseSince;
}

double idle_power_estimate_w(double max_power_w) {
    return std::max(1.5, 0.06 * max_power_w);
}

MinerCaps build_caps(const json& info, const AsicOptions& asic, bool allow_overclock) {
    MinerCaps caps;
    const auto& fo = asic.frequency_options_mhz;
    const auto& vo = asic.voltage_options_mv;
    const double max_power = json_number(info, "maxPower").value_or(0);
    caps.can_pause = firmware_can_pause(info);
    caps.idle_power_w = idle_power_estimate_w(max_power > 0 ? max_power : 25.0 * asic.asic_count);
    if (fo.empty() || vo.empty()) return caps;

    // Reference point: what the device draws now, or half its rated maximum when idle.
    double f_ref = json_number(info, "frequency").value_or(asic.default_frequency_mhz);
    double v_ref = json_number(info, "coreVoltage").value_or(asic.default_voltage_mv);
    if (f_ref <= 0) f_ref = asic.default_frequency_mhz;
    if (v_ref <= 0) v_ref = asic.default_voltage_mv;
    const double power = json_number(info, "power").value_or(0);
    const double hashrate = json_number(info, "hashRate").value_or(0);
    const bool paused = json_bool(info, "miningPaused").value_or(false);
    const bool mining = !paused && power > 0.5 && hashrate > 0;
    double p_ref = mining ? power : (max_power > 0 ? max_power / 2 : 15.0 * asic.asic_count);
    double h_ref_ghs = 0;
    if (mining) {
        h_ref_ghs = hashrate;
    } else if (auto e = json_number(info, "expectedHashrate"); e && *e > 0) {
        h_ref_ghs = *e;
    } else if (auto cores = json_number(info, "smallCoreCount"); cores && *cores > 0) {
        h_ref_ghs = f_ref * *cores * asic.asic_count / 1000.0;
    }

    // Pair frequency rank with voltage rank: lowest with lowest, stock with stock, highest
    // with highest, linear in between.
    const std::size_t n = fo.size(), m = vo.size();
    const std::size_t df = index_of_nearest(fo, asic.default_frequency_mhz);
    const std::size_t dv = index_of_nearest(vo, asic.default_voltage_mv);
    std::vector<std::pair<PowerLevel, bool>> levels;   // level, is stock
    for (std::size_t i = 0; i < n; ++i) {
        double rank = 0;
        if (i <= df) {
            rank = df == 0 ? static_cast<double>(dv) : static_cast<double>(i) / df * dv;
        } else {
            rank = dv + static_cast<double>(i - df) / static_cast<double>(n - 1 - df) *
                            static_cast<double>(m - 1 - dv);
        }
        std::size_t vi = std::min<std::size_t>(m - 1, static_cast<std::size_t>(std::lround(rank)));
        PowerLevel l;
        l.frequency_mhz = fo[i];
        l.core_voltage_mv = vo[vi];
        const double vr = vo[vi] / v_ref;
        l.power_w = p_ref * (fo[i] / f_ref) * vr * vr;
        l.hashrate_ths = h_ref_ghs * (fo[i] / f_ref) / 1000.0;
        const bool over = fo[i] > asic.default_frequency_mhz + 1e-9 ||
                          vo[vi] > asic.default_voltage_mv + 1e-9;
        if (over && !allow_overclock) continue;
        levels.push_back({l, i == df});
    }
    std::stable_sort(levels.begin(), levels.end(),
                     [](const auto& a, const auto& b) { return a.first.power_w < b.first.power_w; });
    for (std::size_t i = 0; i < levels.size(); ++i) {
        caps.levels.push_back(levels[i].first);
        if (levels[i].second) caps.nominal_level = i;
    }
    for (double f : fo)
        if (allow_overclock || f <= asic.default_frequency_mhz + 1e-9)
            caps.frequency_options_mhz.push_back(f);
    for (double v : vo)
        if (allow_overclock || v <= asic.default_voltage_mv + 1e-9)
            caps.voltage_options_mv.push_back(v);
    return caps;
}

MinerState decode_state(const json& info, const AsicOptions* asic) {
    MinerState s;
    s.driver = "axeos";
    s.online = true;
    std::string asic_model = json_string(info, "ASICModel");
    std::string device = json_string(info, "deviceModel");
    if (device.empty() && asic) device = asic->device_model;
    if (asic_model.empty() && asic) asic_model = asic->asic_model;
    std::string board = json_string(info, "boardVersion");
    for (const auto& part : {device, asic_model}) {
        if (part.empty()) continue;
        if (!s.model.empty()) s.model += " ";
        s.model += part;
    }
    if (!board.empty()) s.model += (s.model.empty() ? "board " : " board ") + board;
    s.firmware = json_string(info, "version");

    if (auto h = json_number(info, "hashRate")) s.hashrate_ths = *h / 1000.0;
    s.power_w = json_number(info, "power");
    s.frequency_mhz = json_number(info, "frequency");
    s.core_voltage_mv = json_number(info, "coreVoltage");
    if (auto t = json_number(info, "temp"); t && *t != -1) s.chip_temp_c = *t;
    if (auto t = json_number(info, "vrTemp"); t && *t != 0) s.vr_temp_c = *t;
    s.fan_rpm = json_number(info, "fanrpm");

    std::string power_fault = json_string(info, "power_fault");
    std::string hardware_fault = json_string(info, "hardware_fault");
    if (!power_fault.empty() || !hardware_fault.empty()) {
        s.state = MinerRunState::error;
        s.detail = !power_fault.empty() ? "power fault: " + power_fault : "";
        if (!hardware_fault.empty())
            s.detail += (s.detail.empty() ? "" : "; ") + ("hardware fault: " + hardware_fault);
    } else if (json_number(info, "overheat_mode").value_or(0) == 1) {
        s.state = MinerRunState::overheated;
        s.detail = "overheat protection active";
    } else if (json_bool(info, "miningPaused").value_or(false)) {
        s.state = MinerRunState::paused;
    } else {
        s.state = MinerRunState::mining;
    }
    return s;
}

double snap_down(double value, const std::vector<double>& options) {
    if (options.empty()) return value;
    double best = options.front();
    for (double o : options)
        if (o <= value + 1e-9 && o > best) best = o;
    return best;
}

std::optional<Setpoint> resolve_setpoint(const MinerTarget& target, const MinerCaps& caps) {
    if (caps.levels.empty()) return std::nullopt;
    auto level_for_frequency = [&](double f) -> const PowerLevel* {
        for (const auto& l : caps.levels)
            if (l.frequency_mhz && std::fabs(*l.frequency_mhz - f) < 1e-6) return &l;
        return nullptr;
    };
    const PowerLevel* level = nullptr;
    Setpoint sp;
    if (target.level) {
        level = &caps.levels[std::min(*target.level, caps.levels.size() - 1)];
    } else if (target.frequency_mhz) {
        sp.frequency_mhz = snap_down(*target.frequency_mhz, caps.frequency_options_mhz);
        level = level_for_frequency(sp.frequency_mhz);
    } else if (target.power_w > 0) {
        level = &caps.levels.front();
        for (const auto& l : caps.levels)
            if (l.power_w <= target.power_w + 1e-6) level = &l;
    } else {
        level = &caps.levels[std::min(caps.nominal_level, caps.levels.size() - 1)];
    }
    if (level == nullptr) level = &caps.levels[std::min(caps.nominal_level, caps.levels.size() - 1)];
    if (!target.frequency_mhz || target.level) sp.frequency_mhz = level->frequency_mhz.value_or(0);
    sp.core_voltage_mv = level->core_voltage_mv.value_or(0);
    if (target.core_voltage_mv && !target.level)
        sp.core_voltage_mv = snap_down(*target.core_voltage_mv, caps.voltage_options_mv);
    // Belt and braces: whatever path got here, only listed options leave this function.
    sp.frequency_mhz = snap_down(sp.frequency_mhz, caps.frequency_options_mhz);
    sp.core_voltage_mv = snap_down(sp.core_voltage_mv, caps.voltage_options_mv);
    return sp;
}

}  // namespace hashsink::miners::axeos
