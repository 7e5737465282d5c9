#include "sim/driver_models.hpp"

namespace hashsink::sim {

std::optional<miners::simulated::ModelConfig> model_for_driver(const std::string& driver,
                                                               const Options& options) {
    using miners::simulated::Control;
    if (driver == "simulated") return miners::simulated::model_config(options);
    if (driver == "axeos") {
        auto m = miners::simulated::preset("bitaxe-gamma");
        m.allow_overclock = options.get_bool("allow_overclock");
        return m;
    }
    const bool declares = driver == "shelly" || driver == "tasmota" || driver == "cgminer" ||
                          driver == "antminer" || driver == "avalon";
    const double power_w = options.get_number("power_w");
    if (!declares || power_w <= 0) return std::nullopt;
    // An S9-like machine switched on and off, at the declared draw; its J/TH when no hashrate
    // is declared.
    auto m = miners::simulated::preset("s9");
    const double hashrate_ths = options.get_number("hashrate_ths");
    m.hashrate_ths = hashrate_ths > 0 ? hashrate_ths : m.hashrate_ths * power_w / m.power_w;
    m.power_w = power_w;
    m.control = Control::on_off;
    if (driver == "antminer") m.idle_w = options.get_number("sleep_power_w", m.idle_w);
    else if (driver == "avalon") m.idle_w = options.get_number("idle_power_w", m.idle_w);
    else m.idle_w = 0;   // a plug cuts the power; cgminer's API gives no idle figure
    if (driver == "shelly" || driver == "tasmota") m.start_delay_s = 60;
    return m;
}

}  // namespace hashsink::sim
