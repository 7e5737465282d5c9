// hashsink emulate whatsminer: serve an emulated Whatsminer (API v2 on 4028, or v3 on 4433)
// until SIGINT/SIGTERM.
#include <iostream>

#include "daemon/cli/commands.hpp"
#include "daemon/cli/emulate_common.hpp"
#include "daemon/cli/options.hpp"
#include "emulators/miners/whatsminer/whatsminer_emulator.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kSpecs = {
    bind_option(),
    {"api", "v2|v3", "API generation the firmware speaks (default v2)"},
    listen_port_option("TCP port of the 4028-style API", 4028),
    {"v3-port", "PORT", "TCP port of API v3, 0 picks a free one (default 4433)",
     IntRange{0, 65535, 4433}},
    {"password", "TEXT", "API password (default admin for v2, super for v3)"},
    {"power-limit", "W", "initial power limit (default the model's maximum)"},
    {"off", "", "start powered off"},
};

constexpr const char* kSynopsis =
    "emulate whatsminer [--api v2|v3] [--port 4028] [--v3-port 4433] [--password PW]";
constexpr const char* kSummary = "Serves an emulated Whatsminer's API until SIGINT or SIGTERM.";

}  // namespace

int cmd_emulate_whatsminer(const CommandArgs& argv) {
    const Command cmd("emulate whatsminer", kSynopsis, kSummary, kSpecs, argv);
    if (auto code = cmd.early_exit()) return *code;
    const Args& args = cmd.args();
    const std::string api = args.get("api", "v2");
    if (api != "v2" && api != "v3") return cmd.fail("--api: expected v2 or v3", kExitUsage);
    miners::whatsminer::EmulatorConfig c =
        api == "v3" ? miners::whatsminer::v3_defaults() : miners::whatsminer::EmulatorConfig{};
    c.bind = bind_address(args);
    auto port = cmd.int_value("port");
    auto v3_port = cmd.int_value("v3-port");
    if (!port || !v3_port) return kExitUsage;
    c.port = static_cast<int>(*port);
    c.v3_port = static_cast<int>(*v3_port);
    c.password = args.get("password", c.password);
    if (args.has("power-limit")) {
        // The models' maximum limits are whole watts.
        const long max_w = static_cast<long>(c.max_power_w);
        auto w = int_option(args, "power-limit", 100, max_w, 0);
        if (!w) return cmd.fail("--power-limit must be 100.." + std::to_string(max_w), kExitUsage);
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
