// hashsink: one binary, subcommands.
#include <csignal>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "daemon/cli/cli.hpp"
#include "daemon/cli/commands.hpp"

#ifndef HASHSINK_VERSION
#define HASHSINK_VERSION "unknown"
#endif

namespace {

struct Command {
    const char* name;
    const char* sub;    // second word, or nullptr
    int (*run)(const hashsink::app::CommandArgs&);
    const char* summary;
};

const Command kCommands[] = {
    {"run", nullptr, hashsink::app::cmd_run, "run the daemon in the foreground"},
    {"check", nullptr, hashsink::app::cmd_check, "validate a config file"},
    {"probe", "sunspec", hashsink::app::cmd_probe_sunspec, "read a SunSpec device and print JSON"},
    {"probe", "miner", hashsink::app::cmd_probe_miner, "detect a miner and print its state"},
    {"probe", "modbus", hashsink::app::cmd_probe_modbus, "read a Modbus device through a profile"},
    {"simulate", nullptr, hashsink::app::cmd_simulate, "replay a trace and score the decisions"},
    {"demo", nullptr, hashsink::app::cmd_demo, "run the daemon against loopback emulators"},
    {"emulate", "sunspec", hashsink::app::cmd_emulate_sunspec,
     "serve an emulated SunSpec inverter"},
    {"emulate", "axeos", hashsink::app::cmd_emulate_axeos,
     "serve an emulated AxeOS (Bitaxe) miner"},
    {"emulate", "antminer", hashsink::app::cmd_emulate_antminer,
     "serve an emulated stock Antminer"},
    {"emulate", "shelly", hashsink::app::cmd_emulate_shelly, "serve an emulated Shelly Gen2 plug"},
    {"emulate", "tasmota", hashsink::app::cmd_emulate_tasmota, "serve an emulated Tasmota plug"},
    {"emulate", "avalon", hashsink::app::cmd_emulate_avalon,
     "serve an emulated Avalon Q (cgminer API)"},
    {"emulate", "braiins", hashsink::app::cmd_emulate_braiins,
     "serve an emulated Braiins OS miner"},
    {"emulate", "luxos", hashsink::app::cmd_emulate_luxos, "serve an emulated LuxOS miner"},
    {"emulate", "vnish", hashsink::app::cmd_emulate_vnish, "serve an emulated Vnish miner"},
    {"emulate", "whatsminer", hashsink::app::cmd_emulate_whatsminer,
     "serve an emulated Whatsminer (API v2 or v3)"},
    {"scan", nullptr, hashsink::app::cmd_scan, "find miners on a network range"},
    {"fleet", nullptr, hashsink::app::cmd_fleet,
     "the central view of many sites and fleet commands"},
};

void print_help(std::ostream& out) {
    out << "Usage: hashsink <command> [options]\n\n"
           "hashsink turns Bitcoin miners into a controllable energy sink behind the meter.\n\n"
           "Commands:\n";
    for (const auto& c : kCommands) {
        std::string name = std::string(c.name) + (c.sub ? std::string(" ") + c.sub : "");
        name.resize(20, ' ');
        out << "  " << name << c.summary << "\n";
    }
    out << "\nOptions:\n"
           "  --help              show this help\n"
           "  --version           print the version\n"
           "\nEach command takes --help.\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::signal(SIGPIPE, SIG_IGN);
    std::vector<std::string> args(argv + 1, argv + argc);
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        print_help(args.empty() ? std::cerr : std::cout);
        return args.empty() ? hashsink::app::kExitUsage : 0;
    }
    if (args[0] == "--version") {
        std::cout << "hashsink " << HASHSINK_VERSION << "\n";
        return 0;
    }
    for (const auto& c : kCommands) {
        if (args[0] != c.name) continue;
        if (c.sub == nullptr) return c.run({args.begin() + 1, args.end()});
        if (args.size() >= 2 && args[1] == c.sub) return c.run({args.begin() + 2, args.end()});
    }
    bool known_group = false;
    for (const auto& c : kCommands) known_group |= (args[0] == c.name);
    if (known_group) {
        std::cerr << "hashsink " << args[0] << ": expected one of:";
        for (const auto& c : kCommands)
            if (args[0] == c.name) std::cerr << " " << c.sub;
        std::cerr << "\n";
    } else {
        std::cerr << "hashsink: unknown command '" << args[0] << "'\n\n";
        print_help(std::cerr);
    }
    return hashsink::app::kExitUsage;
}
