#include "web/api/miner_json.hpp"

#include <cmath>
#include <optional>

namespace hashsink {
namespace {

nlohmann::json opt(const std::optional<double>& v) {
    if (!v || !std::isfinite(*v)) return nullptr;
    return *v;
}

nlohmann::json num(double v) {
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

}  // namespace

void to_json(nlohmann::json& j, const PowerLevel& level) {
    j = nlohmann::json{
        {"power_w", num(level.power_w)},
        {"hashrate_ths", num(level.hashrate_ths)},
        {"frequency_mhz", opt(level.frequency_mhz)},
        {"core_voltage_mv", opt(level.core_voltage_mv)},
    };
}

void to_json(nlohmann::json& j, const MinerCaps& caps) {
    nlohmann::json levels = nlohmann::json::array();
    for (const auto& l : caps.levels) levels.push_back(l);
    j = nlohmann::json{
        {"levels", std::move(levels)},
        {"nominal_level", caps.levels.empty() ? nlohmann::json(nullptr)
                                               : nlohmann::json(caps.nominal_level)},
        {"min_power_w", num(caps.min_power_w())},
        {"nominal_power_w", num(caps.nominal_power_w())},
        {"max_power_w", num(caps.max_power_w())},
        {"continuous_power", caps.continuous_power},
        {"power_step_w", num(caps.power_step_w)},
        {"can_pause", caps.can_pause},
        {"idle_power_w", num(caps.idle_power_w)},
        {"frequency_options_mhz", caps.frequency_options_mhz},
        {"voltage_options_mv", caps.voltage_options_mv},
    };
}

void to_json(nlohmann::json& j, const MinerState& s) {
    j = nlohmann::json{
        {"driver", s.driver},
        {"model", s.model},
        {"firmware", s.firmware},
        {"online", s.online},
        {"state", to_string(s.state)},
        {"hashrate_ths", opt(s.hashrate_ths)},
        {"power_w", opt(s.power_w)},
        {"frequency_mhz", opt(s.frequency_mhz)},
        {"core_voltage_mv", opt(s.core_voltage_mv)},
        {"chip_temp_c", opt(s.chip_temp_c)},
        {"vr_temp_c", opt(s.vr_temp_c)},
        {"fan_rpm", opt(s.fan_rpm)},
        {"detail", s.detail},
        {"caps", s.caps},
    };
}

}  // namespace hashsink
