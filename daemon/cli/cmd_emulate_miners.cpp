// hashsink emulate axeos | antminer | braiins | luxos | vnish | avalon | shelly | tasmota: serve
// an emulated miner or smart plug until SIGINT/SIGTERM. One table row a family: its default
// port, its own options and how they make the emulator; --bind, --port, help, usage errors and
// serving are the same for all.
#include <cassert>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emulators/miners/antminer/antminer_emulator.hpp"
#include "emulators/miners/avalon/avalon_emulator.hpp"
#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/miners/braiins/braiins_emulator.hpp"
#include "emulators/miners/luxos/luxos_emulator.hpp"
#include "emulators/miners/shelly/shelly_emulator.hpp"
#include "emulators/miners/tasmota/tasmota_emulator.hpp"
#include "emulators/miners/vnish/vnish_emulator.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/emulate_common.hpp"
#include "daemon/cli/options.hpp"

namespace hashsink::app {
namespace {

// An emulator made from the command line, to serve until a signal.
struct Emulation {
    std::shared_ptr<void> emulator;  // keeps it alive
    std::function<Status()> start;
    std::function<std::string()> banner;  // after start: what listens where
    std::function<void()> stop;
};

// The banner is `what(emu)` then a "port N" line, which tests and scripts read.
template <class Emulator, class Config, class What>
Emulation emulation(const Config& config, What what) {
    auto emu = std::make_shared<Emulator>(config);
    Emulator* e = emu.get();
    return {emu, [e] { return e->start(); },
            [e, what] { return what(*e) + "\nport " + std::to_string(e->port()); },
            [e] { e->stop(); }};
}

// A family's config listening on bind:port, its other fields at their defaults.
template <class Config>
Config listening(const std::string& bind, int port) {
    Config c;
    c.bind = bind;
    c.port = port;
    return c;
}

std::string listening_on(const std::string& what, const std::string& where, int port) {
    return what + " listening on " + where + std::to_string(port);
}

struct Family {
    std::string name;
    int default_port;
    std::string port_what;            // the --port help, before ", 0 picks a free one"
    std::vector<OptionSpec> options;  // after --bind and --port
    std::string synopsis;
    std::string summary;
    // The emulator from the family's options (--bind and --port given); nullopt after a usage
    // error, printed.
    std::function<std::optional<Emulation>(const Command&, const std::string& bind, int port)> make;

    std::string command() const { return "emulate " + name; }
    std::vector<OptionSpec> specs() const {
        std::vector<OptionSpec> all = {bind_option(), listen_port_option(port_what, default_port)};
        all.insert(all.end(), options.begin(), options.end());
        return all;
    }
};

std::optional<Emulation> make_axeos(const Command& cmd, const std::string& bind, int port) {
    auto c = listening<miners::axeos::EmulatorConfig>(bind, port);
    c.board = cmd.args().get("board", "gamma");
    c.hostname = cmd.args().get("hostname", "bitaxe");
    c.version = cmd.args().get("version", "v2.14.0");
    if (miners::axeos::find_board(c.board) == nullptr) {
        cmd.fail("--board: unknown board '" + c.board + "' (gamma, supra, hex)", kExitUsage);
        return std::nullopt;
    }
    return emulation<miners::axeos::AxeosEmulator>(c, [c](miners::axeos::AxeosEmulator& e) {
        const auto& b = e.board();
        return b.device_model + " " + b.asic_model + " (" + c.version + ", hostname " +
               c.hostname + ") listening on " + e.url();
    });
}

std::optional<Emulation> make_antminer(const Command& cmd, const std::string& bind, int port) {
    auto c = listening<miners::antminer::EmulatorConfig>(bind, port);
    c.model = cmd.args().get("model", c.model);
    c.password = cmd.args().get("password", c.password);
    c.write_delay_ms = static_cast<int>(cmd.args().get_int("write-delay-ms").value_or(2000));
    c.ramp_s = static_cast<double>(cmd.args().get_int("ramp-s").value_or(30));
    return emulation<miners::antminer::AntminerEmulator>(
        c, [c](miners::antminer::AntminerEmulator& e) {
            return c.model + " (Digest user root) listening on " + e.url();
        });
}

std::optional<Emulation> make_braiins(const Command& cmd, const std::string& bind, int port) {
    auto c = listening<miners::braiins::EmulatorConfig>(bind, port);
    c.password = cmd.args().get("password", "root");
    auto timeout = cmd.int_value("token-timeout");
    if (!timeout) return std::nullopt;
    c.token_timeout_s = static_cast<int>(*timeout);
    return emulation<miners::braiins::BraiinsEmulator>(
        c, [c](miners::braiins::BraiinsEmulator& e) {
            return listening_on("Antminer S21 Pro (Braiins OS 26.04)", "http://" + c.bind + ":",
                                e.port());
        });
}

std::optional<Emulation> make_luxos(const Command& cmd, const std::string& bind, int port) {
    auto c = listening<miners::luxos::EmulatorConfig>(bind, port);
    if (cmd.args().has("session-ttl")) {
        auto ttl = cmd.int_value("session-ttl");
        if (!ttl) return std::nullopt;
        c.session_ttl_s = static_cast<double>(*ttl);
    }
    return emulation<miners::luxos::LuxosEmulator>(c, [c](miners::luxos::LuxosEmulator& e) {
        return listening_on("Antminer S19k Pro (LUXminer 2025.4.8)", c.bind + ":", e.port());
    });
}

std::optional<Emulation> make_vnish(const Command& cmd, const std::string& bind, int port) {
    auto c = listening<miners::vnish::EmulatorConfig>(bind, port);
    c.password = cmd.args().get("password", "admin");
    c.version = cmd.args().get("version", "1.3.4");
    return emulation<miners::vnish::VnishEmulator>(c, [c](miners::vnish::VnishEmulator& e) {
        return listening_on("Antminer S19 (Vnish " + c.version + ")", "http://" + c.bind + ":",
                            e.port());
    });
}

std::optional<Emulation> make_avalon(const Command& cmd, const std::string& bind, int port) {
    auto c = listening<miners::avalon::EmulatorConfig>(bind, port);
    c.idle = cmd.args().has("idle");
    return emulation<miners::avalon::AvalonEmulator>(c, [](miners::avalon::AvalonEmulator& e) {
        return listening_on("Avalon Q (cgminer 4.11.1)", e.host() + ":", e.port());
    });
}

// The options both plug emulators take: the miner behind the relay.
const std::vector<OptionSpec> kPlugOptions = {
    {"power", "W", "the miner's draw when on (default 300)"},
    {"boot-s", "S", "seconds the miner takes to reach full power (default 10)"},
    {"off", "", "start with the relay off"},
};

template <class Config>
void read_plug_options(const Args& args, Config& c) {
    c.miner_power_w = static_cast<double>(args.get_int("power").value_or(300));
    c.boot_s = static_cast<double>(args.get_int("boot-s").value_or(10));
    c.on = !args.has("off");
}

std::optional<Emulation> make_shelly(const Command& cmd, const std::string& bind, int port) {
    auto c = listening<miners::shelly::EmulatorConfig>(bind, port);
    read_plug_options(cmd.args(), c);
    return emulation<miners::shelly::ShellyEmulator>(c, [](miners::shelly::ShellyEmulator& e) {
        return "Shelly Plus Plug S listening on " + e.url();
    });
}

std::optional<Emulation> make_tasmota(const Command& cmd, const std::string& bind, int port) {
    auto c = listening<miners::tasmota::EmulatorConfig>(bind, port);
    read_plug_options(cmd.args(), c);
    c.password = cmd.args().get("password");
    return emulation<miners::tasmota::TasmotaEmulator>(
        c, [](miners::tasmota::TasmotaEmulator& e) {
            return "Tasmota plug listening on " + e.url();
        });
}

std::vector<OptionSpec> plus(std::vector<OptionSpec> options, const OptionSpec& more) {
    options.push_back(more);
    return options;
}

const std::vector<Family>& families() {
    static const std::vector<Family> table = {
        {"axeos", 8081, "TCP port",
         {{"board", "NAME", "gamma (BM1370), supra (BM1368) or hex (6x BM1368); default gamma"},
          {"hostname", "NAME", "reported hostname (default bitaxe)"},
          {"version", "VERSION", "reported firmware version (default v2.14.0)"}},
         "emulate axeos [--bind 127.0.0.1] [--port 8081] [--board gamma|supra|hex] "
         "[--hostname NAME] [--version v2.14.0]",
         "Serves the AxeOS HTTP API of an emulated Bitaxe until SIGINT or SIGTERM.", make_axeos},
        {"antminer", 8082, "TCP port",
         {{"model", "NAME", "reported model (default \"Antminer S19 Pro\")"},
          {"password", "PW", "web password for user root (default root)"},
          {"write-delay-ms", "MS", "how long set_miner_conf.cgi takes to answer (default 2000)"},
          {"ramp-s", "S", "seconds from asleep to full hashrate (default 30)"}},
         "emulate antminer [--bind 127.0.0.1] [--port 8082] [--model NAME] [--password PW] "
         "[--write-delay-ms 2000] [--ramp-s 30]",
         "Serves the stock Antminer web CGI (HTTP Digest, user root) until SIGINT or SIGTERM.",
         make_antminer},
        {"braiins", 8082, "TCP port",
         {{"password", "TEXT", "web password the login accepts (default root)"},
          {"token-timeout", "SECONDS", "idle validity of login tokens (default 3600)",
           IntRange{1, 86400, 3600}}},
         "emulate braiins [--bind 127.0.0.1] [--port 8082] [--password root]",
         "Serves the Braiins OS REST API of an emulated S21 Pro until SIGINT or SIGTERM.",
         make_braiins},
        {"luxos", 4028, "TCP port of the 4028-style API",
         {{"session-ttl", "SECONDS", "idle expiry of the logon session (default 60)",
           IntRange{1, 86400, 60}}},
         "emulate luxos [--bind 127.0.0.1] [--port 4028]",
         "Serves the LuxOS API of an emulated S19k Pro until SIGINT or SIGTERM.", make_luxos},
        {"vnish", 8083, "TCP port",
         {{"password", "TEXT", "web password /unlock accepts (default admin)"},
          {"version", "VERSION",
           "reported firmware version (default 1.3.4; < 1.3 has no throttle)"}},
         "emulate vnish [--bind 127.0.0.1] [--port 8083] [--password admin]",
         "Serves the Vnish REST API of an emulated S19 until SIGINT or SIGTERM.", make_vnish},
        {"avalon", 4028, "TCP port", {{"idle", "", "start soft off"}},
         "emulate avalon [--port 4028] [--idle]",
         "Serves an Avalon Q's cgminer API until SIGINT or SIGTERM.", make_avalon},
        {"shelly", 8083, "TCP port", kPlugOptions,
         "emulate shelly [--port 8083] [--power 300] [--boot-s 10] [--off]",
         "Serves a Shelly Gen2 plug's HTTP RPC until SIGINT or SIGTERM.", make_shelly},
        {"tasmota", 8084, "TCP port",
         plus(kPlugOptions, {"password", "PW", "web password for user admin (default none)"}),
         "emulate tasmota [--port 8084] [--power 300] [--boot-s 10] [--off] [--password PW]",
         "Serves a Tasmota plug's /cm commands until SIGINT or SIGTERM.", make_tasmota},
    };
    return table;
}

int emulate(const std::string& name, const CommandArgs& argv) {
    const Family* family = nullptr;
    for (const auto& f : families())
        if (f.name == name) family = &f;
    assert(family && "every emulate command has a row in families()");
    const auto specs = family->specs();
    const Command cmd(family->command(), family->synopsis, family->summary, specs, argv);
    if (auto code = cmd.early_exit()) return *code;
    auto port = cmd.int_value("port");
    if (!port) return kExitUsage;
    auto emu = family->make(cmd, bind_address(cmd.args()), static_cast<int>(*port));
    if (!emu) return kExitUsage;
    return serve_until_signal(family->command(), emu->start, emu->banner, emu->stop);
}

}  // namespace

int cmd_emulate_axeos(const CommandArgs& argv) { return emulate("axeos", argv); }
int cmd_emulate_antminer(const CommandArgs& argv) { return emulate("antminer", argv); }
int cmd_emulate_braiins(const CommandArgs& argv) { return emulate("braiins", argv); }
int cmd_emulate_luxos(const CommandArgs& argv) { return emulate("luxos", argv); }
int cmd_emulate_vnish(const CommandArgs& argv) { return emulate("vnish", argv); }
int cmd_emulate_avalon(const CommandArgs& argv) { return emulate("avalon", argv); }
int cmd_emulate_shelly(const CommandArgs& argv) { return emulate("shelly", argv); }
int cmd_emulate_tasmota(const CommandArgs& argv) { return emulate("tasmota", argv); }

}  // namespace hashsink::app
