// hashsink emulate shelly | tasmota: serve an emulated smart plug (with a miner behind it)
// until SIGINT/SIGTERM.
#include "adapters/miners/shelly/shelly_emulator.hpp"
#include "adapters/miners/tasmota/tasmota_emulator.hpp"
#include "daemon/app/commands.hpp"
#include "daemon/app/emulate_common.hpp"

namespace hashsink::app {
namespace {

std::vector<OptionSpec> specs(int port) {
    return {
        {"bind", "ADDR", "address to listen on (default 127.0.0.1)"},
        {"port", "PORT", "TCP port, 0 picks a free one (default " + std::to_string(port) + ")"},
        {"power", "W", "the miner's draw when on (default 300)"},
        {"boot-s", "S", "seconds the miner takes to reach full power (default 10)"},
        {"off", "", "start with the relay off"},
    };
}

}  // namespace

int cmd_emulate_shelly(const CommandArgs& argv) {
    const auto kSpecs = specs(8083);
    Args args(argv, kSpecs);
    if (auto code = handle_common(args, "emulate shelly [--port 8083] [--power 300] [--boot-s 10] [--off]",
                                  "Serves a Shelly Gen2 plug's HTTP RPC until SIGINT or SIGTERM.", kSpecs))
        return *code;
    miners::shelly::EmulatorConfig c;
    c.bind = args.get("bind", "127.0.0.1");
    auto port = emulate_port(args, "emulate shelly", 8083);
    if (!port) return kExitUsage;
    c.port = *port;
    c.miner_power_w = static_cast<double>(args.get_int("power").value_or(300));
    c.boot_s = static_cast<double>(args.get_int("boot-s").value_or(10));
    c.on = !args.has("off");
    miners::shelly::ShellyEmulator emu(c);
    return serve_until_signal(
        "emulate shelly", [&] { return emu.start(); },
        [&] { return "Shelly Plus Plug S listening on " + emu.url() + "\nport " + std::to_string(emu.port()); },
        [&] { emu.stop(); });
}

int cmd_emulate_tasmota(const CommandArgs& argv) {
    auto kSpecs = specs(8084);
    kSpecs.push_back({"password", "PW", "web password for user admin (default none)"});
    Args args(argv, kSpecs);
    if (auto code = handle_common(args, "emulate tasmota [--port 8084] [--power 300] [--boot-s 10] [--off] [--password PW]",
                                  "Serves a Tasmota plug's /cm commands until SIGINT or SIGTERM.", kSpecs))
        return *code;
    miners::tasmota::EmulatorConfig c;
    c.bind = args.get("bind", "127.0.0.1");
    auto port = emulate_port(args, "emulate tasmota", 8084);
    if (!port) return kExitUsage;
    c.port = *port;
    c.miner_power_w = static_cast<double>(args.get_int("power").value_or(300));
    c.boot_s = static_cast<double>(args.get_int("boot-s").value_or(10));
    c.on = !args.has("off");
    c.password = args.get("password");
    miners::tasmota::TasmotaEmulator emu(c);
    return serve_until_signal(
        "emulate tasmota", [&] { return emu.start(); },
        [&] { return "Tasmota plug listening on " + emu.url() + "\nport " + std::to_string(emu.port()); },
        [&] { emu.stop(); });
}

}  // namespace hashsink::app

#include "adapters/miners/avalon/avalon_emulator.hpp"

namespace hashsink::app {

int cmd_emulate_avalon(const CommandArgs& argv) {
    const std::vector<OptionSpec> kSpecs = {
        {"bind", "ADDR", "address to listen on (default 127.0.0.1)"},
        {"port", "PORT", "TCP port, 0 picks a free one (default 4028)"},
        {"idle", "", "start soft off"},
    };
    Args args(argv, kSpecs);
    if (auto code = handle_common(args, "emulate avalon [--port 4028] [--idle]",
                                  "Serves an Avalon Q's cgminer API until SIGINT or SIGTERM.", kSpecs))
        return *code;
    miners::avalon::EmulatorConfig c;
    c.bind = args.get("bind", "127.0.0.1");
    auto port = emulate_port(args, "emulate avalon", 4028);
    if (!port) return kExitUsage;
    c.port = *port;
    c.idle = args.has("idle");
    miners::avalon::AvalonEmulator emu(c);
    return serve_until_signal(
        "emulate avalon", [&] { return emu.start(); },
        [&] { return "Avalon Q (cgminer 4.11.1) listening on " + emu.host() + ":" +
                     std::to_string(emu.port()) + "\nport " + std::to_string(emu.port()); },
        [&] { emu.stop(); });
}

}  // namespace hashsink::app
