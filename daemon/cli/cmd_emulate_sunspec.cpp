// hashsink emulate sunspec: serve a static emulated SunSpec inverter (and meter) until
// SIGINT/SIGTERM.
#include <atomic>
#include <chrono>
#include <csignal>
#include <iostream>
#include <thread>

#include "daemon/cli/cli.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/options.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"

namespace hashsink::app {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop = true; }

const std::vector<OptionSpec> kSpecs = {
    bind_option(),
    {"port", "PORT", "TCP port (default 1502; 0 picks a free one)", IntRange{0, 65535, 1502}},
    {"unit", "ID", "unit id to answer (default 1)", IntRange{1, 247, 1}},
    {"base", "ADDR", "SunSpec base register: 40000, 50000 or 0 (default 40000)",
     IntRange{0, 65000, 40000}},
    {"common-length", "L", "model 1 length, 66 or 65 (default 66)", IntRange{65, 66, 66}},
    {"float", "", "serve float models 113/213 instead of 103/203"},
    {"rating-w", "W", "nameplate rating and WMax (default 5000)", IntRange{0, 1'000'000, 5000}},
    {"pv-w", "W", "AC output power (default 3000)", IntRange{0, 1'000'000, 3000}},
    {"grid-w", "W", "meter power, + import, - export (default -1000)",
     IntRange{-1'000'000, 1'000'000, -1000}},
    {"mppt", "N", "model 160 modules (default 2; 0 leaves model 160 out)", IntRange{0, 20, 2}},
    {"no-meter", "", "leave the meter model out"},
};

constexpr const char* kSynopsis = "emulate sunspec [options]";
constexpr const char* kSummary =
    "Serves an emulated SunSpec inverter (models 1, 103/113, 120, 121, 123, 160) and meter\n"
    "(203/213) over Modbus TCP until interrupted. Accepts writes to model 123 WMaxLimPct and\n"
    "WMaxLim_Ena.";

}  // namespace

int cmd_emulate_sunspec(const CommandArgs& argv) {
    const Command cmd("emulate sunspec", kSynopsis, kSummary, kSpecs, argv);
    if (auto code = cmd.early_exit()) return *code;
    const Args& args = cmd.args();
    const auto values = cmd.values();
    if (!values) return kExitUsage;

    sensors::sunspec::EmulatorOptions o;
    o.bind = bind_address(args);
    o.port = values->small("port");
    o.unit_id = values->small("unit");
    o.base_address = values->small("base");
    o.common_length = values->small("common-length");
    o.float_models = args.has("float");
    o.mppt_count = values->small("mppt");
    o.include_meter = !args.has("no-meter");
    sensors::sunspec::SunspecEmulator emulator(o);
    sensors::sunspec::InverterImage image;
    image.rating_w = static_cast<double>(values->integer("rating-w"));
    image.wmax_w = image.rating_w;
    image.ac_power_w = static_cast<double>(values->integer("pv-w"));
    image.dc_power_w = image.ac_power_w / 0.97;
    for (int k = 0; k < o.mppt_count; ++k) image.mppt_dc_w.push_back(image.dc_power_w / o.mppt_count);
    image.grid_power_w = static_cast<double>(values->integer("grid-w"));
    image.state = image.ac_power_w > 0 ? InverterState::mppt : InverterState::sleeping;
    image.lifetime_wh = 1'234'567;
    emulator.update(image);

    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    if (auto st = emulator.start(); !st) return cmd.fail(st.message, kExitUnavailable);
    std::cout << "sunspec emulator listening on " << o.bind << ":" << emulator.port() << " (unit "
              << o.unit_id << ", base " << o.base_address << ")" << std::endl;
    while (!g_stop) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    emulator.stop();
    return 0;
}

}  // namespace hashsink::app
