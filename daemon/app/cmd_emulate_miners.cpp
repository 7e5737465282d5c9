// hashsink emulate braiins | luxos | vnish: serve an emulated miner until SIGINT/SIGTERM.
#include <pthread.h>

#include <csignal>
#include <iostream>

#include "adapters/miners/braiins/braiins_emulator.hpp"
#include "adapters/miners/luxos/luxos_emulator.hpp"
#include "adapters/miners/vnish/vnish_emulator.hpp"
#include "daemon/app/cli.hpp"
#include "daemon/app/commands.hpp"

namespace hashsink::app {
namespace {

struct Common {
    std::string bind;
    int port = 0;
};

// Parses --bind/--port; nullopt and an exit code on a usage error.
std::optional<int> parse_common(const Args& args, const char* name, int default_port, Common& out) {
    out.bind = args.get("bind", "127.0.0.1");
    out.port = default_port;
    if (args.has("port")) {
        auto port = args.get_int("port");
        if (!port || *port < 0 || *port > 65535) {
            std::cerr << "hashsink emulate " << name << ": --port: expected 0..65535\n";
            return kExitUsage;
        }
        out.port = static_cast<int>(*port);
    }
    return std::nullopt;
}

sigset_t block_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    return signals;
}

template <class Emulator>
int serve(Emulator& emu, const char* name, const std::string& what, const std::string& where,
          sigset_t signals) {
    if (auto st = emu.start(); !st) {
        std::cerr << "hashsink emulate " << name << ": " << st.message << "\n";
        return 71;   // EX_OSERR
    }
    std::cout << "hashsink emulate " << name << ": " << what << " listening on " << where
              << emu.port() << "\nport " << emu.port() << std::endl;
    int sig = 0;
    sigwait(&signals, &sig);
    std::cout << "hashsink emulate " << name << ": stopping (signal " << sig << ")" << std::endl;
    emu.stop();
    return 0;
}

}  // namespace

int cmd_emulate_braiins(const CommandArgs& argv) {
    const std::vector<OptionSpec> specs = {
        {"bind", "ADDR", "address to listen on (default 127.0.0.1)"},
        {"port", "PORT", "TCP port, 0 picks a free one (default 8082)"},
        {"password", "TEXT", "web password the login accepts (default root)"},
        {"token-timeout", "SECONDS", "idle validity of login tokens (default 3600)"},
    };
    const std::string synopsis = "emulate braiins [--bind 127.0.0.1] [--port 8082] [--password root]";
    Args args(argv, specs);
    if (auto code = handle_common(args, synopsis,
                                  "Serves the Braiins OS REST API of an emulated S21 Pro until "
                                  "SIGINT or SIGTERM.", specs))
        return *code;
    Common c;
    if (auto code = parse_common(args, "braiins", 8082, c)) return *code;
    miners::braiins::EmulatorConfig config;
    config.bind = c.bind;
    config.port = c.port;
    config.password = args.get("password", "root");
    if (args.has("token-timeout")) {
        auto t = args.get_int("token-timeout");
        if (!t || *t < 1 || *t > 86400) {
            std::cerr << "hashsink emulate braiins: --token-timeout: expected 1..86400\n";
            return kExitUsage;
        }
        config.token_timeout_s = static_cast<int>(*t);
    }
    auto signals = block_signals();
    miners::braiins::BraiinsEmulator emu(config);
    return serve(emu, "braiins", "Antminer S21 Pro (Braiins OS 26.04)",
                 "http://" + config.bind + ":", signals);
}

int cmd_emulate_luxos(const CommandArgs& argv) {
    const std::vector<OptionSpec> specs = {
        {"bind", "ADDR", "address to listen on (default 127.0.0.1)"},
        {"port", "PORT", "TCP port of the 4028-style API, 0 picks a free one (default 4028)"},
        {"session-ttl", "SECONDS", "idle expiry of the logon session (default 60)"},
    };
    const std::string synopsis = "emulate luxos [--bind 127.0.0.1] [--port 4028]";
    Args args(argv, specs);
    if (auto code = handle_common(args, synopsis,
                                  "Serves the LuxOS API of an emulated S19k Pro until SIGINT or "
                                  "SIGTERM.", specs))
        return *code;
    Common c;
    if (auto code = parse_common(args, "luxos", 4028, c)) return *code;
    miners::luxos::EmulatorConfig config;
    config.bind = c.bind;
    config.port = c.port;
    if (args.has("session-ttl")) {
        auto t = args.get_int("session-ttl");
        if (!t || *t < 1 || *t > 86400) {
            std::cerr << "hashsink emulate luxos: --session-ttl: expected 1..86400\n";
            return kExitUsage;
        }
        config.session_ttl_s = static_cast<double>(*t);
    }
    auto signals = block_signals();
    miners::luxos::LuxosEmulator emu(config);
    return serve(emu, "luxos", "Antminer S19k Pro (LUXminer 2025.4.8)", config.bind + ":", signals);
}

int cmd_emulate_vnish(const CommandArgs& argv) {
    const std::vector<OptionSpec> specs = {
        {"bind", "ADDR", "address to listen on (default 127.0.0.1)"},
        {"port", "PORT", "TCP port, 0 picks a free one (default 8083)"},
        {"password", "TEXT", "web password /unlock accepts (default admin)"},
        {"version", "VERSION", "reported firmware version (default 1.3.4; < 1.3 has no throttle)"},
    };
    const std::string synopsis = "emulate vnish [--bind 127.0.0.1] [--port 8083] [--password admin]";
    Args args(argv, specs);
    if (auto code = handle_common(args, synopsis,
                                  "Serves the Vnish REST API of an emulated S19 until SIGINT or "
                                  "SIGTERM.", specs))
        return *code;
    Common c;
    if (auto code = parse_common(args, "vnish", 8083, c)) return *code;
    miners::vnish::EmulatorConfig config;
    config.bind = c.bind;
    config.port = c.port;
    config.password = args.get("password", "admin");
    config.version = args.get("version", "1.3.4");
    auto signals = block_signals();
    miners::vnish::VnishEmulator emu(config);
    return serve(emu, "vnish", "Antminer S19 (Vnish " + config.version + ")",
                 "http://" + config.bind + ":", signals);
}

}  // namespace hashsink::app
