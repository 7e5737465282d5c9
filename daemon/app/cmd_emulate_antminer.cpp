// hashsink emulate antminer: serve an emulated stock Antminer until SIGINT/SIGTERM.
#include <iostream>

#include "adapters/miners/antminer/antminer_emulator.hpp"
#include "daemon/app/commands.hpp"
#include "daemon/app/emulate_common.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"bind", "ADDR", "address to listen on (default 127.0.0.1)"},
    {"port", "PORT", "TCP port, 0 picks a free one (default 8082)"},
    {"model", "NAME", "reported model (default \"Antminer S19 Pro\")"},
    {"password", "PW", "web password for user root (default root)"},
    {"write-delay-ms", "MS", "how long set_miner_conf.cgi takes to answer (default 2000)"},
    {"ramp-s", "S", "seconds from asleep to full hashrate (default 30)"},
};

}  // namespace

int cmd_emulate_antminer(const CommandArgs& argv) {
    const std::string synopsis =
        "emulate antminer [--bind 127.0.0.1] [--port 8082] [--model NAME] [--password PW] "
        "[--write-delay-ms 2000] [--ramp-s 30]";
    const std::string summary =
        "Serves the stock Antminer web CGI (HTTP Digest, user root) until SIGINT or SIGTERM.";
    Args args(argv, kSpecs);
    if (auto code = handle_common(args, synopsis, summary, kSpecs)) return *code;
    miners::antminer::EmulatorConfig c;
    c.bind = args.get("bind", "127.0.0.1");
    auto port = emulate_port(args, "emulate antminer", 8082);
    if (!port) return kExitUsage;
    c.port = *port;
    c.model = args.get("model", c.model);
    c.password = args.get("password", c.password);
    c.write_delay_ms = static_cast<int>(args.get_int("write-delay-ms").value_or(2000));
    c.ramp_s = static_cast<double>(args.get_int("ramp-s").value_or(30));
    miners::antminer::AntminerEmulator emu(c);
    return serve_until_signal(
        "emulate antminer", [&] { return emu.start(); },
        [&] { return c.model + " (Digest user root) listening on " + emu.url() + "\nport " +
                     std::to_string(emu.port()); },
        [&] { emu.stop(); });
}

}  // namespace hashsink::app
