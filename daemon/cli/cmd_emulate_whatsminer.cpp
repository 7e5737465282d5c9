// hashsink emulate whatsminer: serve an emulated Whatsminer (API v2 on 4028, or v3 on 4433)
// until SIGINT/SIGTERM.
#include <iostream>

#include "emulators/miners/whatsminer/whatsminer_emulator.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/emulate_common.hpp"

namespace hashsink::app {

int cmd_emulate_whatsminer(const CommandArgs& argv) {
    const std::vector<OptionSpec> kSpecs = {
        {"bind", "ADDR", "address to listen on (default 127.0.0.1)"},
        {"api", "v2|v3", "API generation the firmware speaks (default v2)"},
        {"port", "PORT", "TCP port of the 4028-style API, 0 picks a free one (default 4028)"},
        {"v3-port", "PORT", "TCP port of API v3, 0 picks a free one (default 4433)"},
        {"password", "TEXT", "API password (default admin for v2, super for v3)"},
        {"power-limit", "W", "initial power limit (default the model's maximum)"},
        {"off", "", "start powered off"},
    };
    Args args(argv, kSpecs);
    if (auto code = handle_common(
            args, "emulate whatsminer [--api v2|v3] [--port 4028] [--v3-port 4433] [--password PW]",
            "Serves an emulated Whatsminer's API until SIGINT or SIGTERM.", kSpecs))
        return *code;
    const std::string api = args.get("api", "v2");
    if (api != "v2" && api != "v3") {
        std::cerr << "hashsink emulate whatsminer: --api: expected v2 or v3\n";
        return kExitUsage;
    }
    miners::whatsminer::EmulatorConfig c =
        api == "v3" ? miners::whatsminer::v3_defaults() : miners::whatsminer::EmulatorConfig{};
    c.bind = args.get("bind", "127.0.0.1");
    auto port = emulate_port(args, "emulate whatsminer", 4028);
    if (!port) return kExitUsage;
    c.port = *port;
    auto v3_port = emulate_int(args, "emulate whatsminer", "v3-port", 0, 65535, 4433);
    if (!v3_port) return kExitUsage;
    c.v3_port = static_cast<int>(*v3_port);
    c.password = args.get("password", c.password);
    if (args.has("power-limit")) {
        // The models' maximum limits are whole watts.
        auto w = emulate_int(args, "emulate whatsminer", "power-limit", 100,
                             static_cast<long>(c.max_power_w), 0);
        if (!w) return kExitUsage;
        c.power_limit_w = static_cast<double>(*w);
    }
    c.mining = !args.has("off");
    miners::whatsminer::WhatsminerEmulator emu(c);
    return serve_until_signal(
        "emulate whatsminer", [&] { return emu.start(); },
        [&] {
            std::string b = (api == "v3" ? "Whatsminer M60S (API v3)" : "Whatsminer M50S (API v2)") +
                            std::string(" listening on ") + emu.host() + ":" +
                            std::to_string(emu.port());
            if (api == "v3") b += " and v3 on port " + std::to_string(emu.v3_port());
            return b + "\nport " + std::to_string(emu.port()) +
                   (api == "v3" ? "\nv3_port " + std::to_string(emu.v3_port()) : "");
        },
        [&] { emu.stop(); });
}

}  // namespace hashsink::app
