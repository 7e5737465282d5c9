// hashsink emulate axeos: serve an emulated AxeOS (Bitaxe) device until SIGINT/SIGTERM.
#include <pthread.h>

#include <csignal>
#include <iostream>

#include "adapters/miners/axeos/axeos_emulator.hpp"
#include "daemon/app/cli.hpp"
#include "daemon/app/commands.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"bind", "ADDR", "address to listen on (default 127.0.0.1)"},
    {"port", "PORT", "TCP port, 0 picks a free one (default 8081)"},
    {"board", "NAME", "gamma (BM1370), supra (BM1368) or hex (6x BM1368); default gamma"},
    {"hostname", "NAME", "reported hostname (default bitaxe)"},
    {"version", "VERSION", "reported firmware version (default v2.14.0)"},
};

}  // namespace

int cmd_emulate_axeos(const CommandArgs& argv) {
    const std::string synopsis =
        "emulate axeos [--bind 127.0.0.1] [--port 8081] [--board gamma|supra|hex] "
        "[--hostname NAME] [--version v2.14.0]";
    const std::string summary =
        "Serves the AxeOS HTTP API of an emulated Bitaxe until SIGINT or SIGTERM.";
    Args args(argv, kSpecs);
    if (auto code = handle_common(args, synopsis, summary, kSpecs)) return *code;

    miners::axeos::EmulatorConfig config;
    config.bind = args.get("bind", "127.0.0.1");
    config.board = args.get("board", "gamma");
    config.hostname = args.get("hostname", "bitaxe");
    config.version = args.get("version", "v2.14.0");
    config.port = 8081;
    if (args.has("port")) {
        auto port = args.get_int("port");
        if (!port || *port < 0 || *port > 65535) {
            std::cerr << "hashsink emulate axeos: --port: expected 0..65535\n";
            return kExitUsage;
        }
        config.port = static_cast<int>(*port);
    }
    if (miners::axeos::find_board(config.board) == nullptr) {
        std::cerr << "hashsink emulate axeos: --board: unknown board '" << config.board
                  << "' (gamma, supra, hex)\n";
        return kExitUsage;
    }

    // Block the signals before the server threads start so only sigwait sees them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    miners::axeos::AxeosEmulator emulator(config);
    if (auto st = emulator.start(); !st) {
        std::cerr << "hashsink emulate axeos: " << st.message << "\n";
        return 71;   // EX_OSERR
    }
    const auto& b = emulator.board();
    std::cout << "hashsink emulate axeos: " << b.device_model << " " << b.asic_model << " ("
              << config.version << ", hostname " << config.hostname << ") listening on "
              << emulator.url() << "\nport " << emulator.port() << std::endl;
    int sig = 0;
    sigwait(&signals, &sig);
    std::cout << "hashsink emulate axeos: stopping (signal " << sig << ")" << std::endl;
    emulator.stop();
    return 0;
}

}  // namespace hashsink::app
