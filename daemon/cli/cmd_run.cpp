#include <iostream>

#include "adapters/transport/open_files.hpp"
#include "daemon/app/catalog.hpp"
#include "daemon/app/sd_notify.hpp"
#include "daemon/app/signals.hpp"
#include "daemon/app/site.hpp"
#include "daemon/cli/cli.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/core/log.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"config", "FILE", "the site's TOML config (required)"},
    {"db", "FILE", "the SQLite journal (default: journal.path from the config)"},
    {"listen", "HOST:PORT", "serve the status page here (default: web.listen)"},
    {"verbose", "", "log debug messages"},
};

std::optional<log::Level> level_from_env() {
    const char* v = std::getenv("HASHSINK_LOG_LEVEL");
    if (v == nullptr) return std::nullopt;
    std::string s = v;
    if (s == "debug") return log::Level::debug;
    if (s == "info") return log::Level::info;
    if (s == "warning") return log::Level::warning;
    if (s == "error") return log::Level::error;
    return std::nullopt;
}

}  // namespace

int cmd_run(const CommandArgs& argv) {
    const Command cmd("run", "run --config FILE [--db FILE] [--listen HOST:PORT]",
                      "Runs the daemon in the foreground.", kSpecs, argv);
    if (auto code = cmd.early_exit()) return *code;
    const Args& args = cmd.args();
    if (!args.has("config")) return cmd.usage_error("--config FILE is required");
    if (args.has("verbose")) log::set_level(log::Level::debug);
    else if (auto l = level_from_env()) log::set_level(*l);

    auto loaded = config::load_file(args.get("config"), build_catalog());
    if (!loaded.ok()) {
        for (const auto& d : loaded.diagnostics) std::cerr << d.format() << "\n";
        return config::kExitConfig;
    }
    ignore_file_size_signal();
    // Each miner keeps a connection open: a fleet of thousands needs more files than the 1024
    // a service gets by default, so the soft limit goes up to the hard one; Modbus sources
    // (select()) get low descriptors kept back before the fleet takes them.
    transport::reserve_low_descriptors(32);
    const std::size_t files = transport::raise_open_file_limit();
    const std::size_t needed = loaded.config->miners.size() + 256;  // + journal, web, sources
    if (files < needed)
        log::warn("run", "open-file limit " + std::to_string(files) + " is below the " +
                             std::to_string(needed) + " a fleet of " +
                             std::to_string(loaded.config->miners.size()) +
                             " miners may need; raise LimitNOFILE");
    SystemClock clock;
    auto site = Site::build(*loaded.config, {args.get("db"), args.get("listen")}, clock);
    if (!site) {
        log::error("run", site.error().message);
        return kExitUnavailable;
    }
    install_stop_signals();

    // Feed the systemd watchdog from the loop itself: a hung loop stops the pings.
    const bool watchdog = watchdog_interval().has_value();
    (*site)->loop().on_tick([watchdog](const loop::LoopStatus& st) {
        if (watchdog) sd_notify("WATCHDOG=1");
        if (st.tick % 30 == 1)
            sd_notify("STATUS=budget " + std::to_string(static_cast<int>(st.decision.budget_w)) +
                      " W, miners " + std::to_string(static_cast<int>(st.measured_w)) + " W");
    });
    if (auto st = (*site)->start(); !st) {
        log::error("run", st.message);
        return kExitUnavailable;
    }
    log::notice("run", "running with " + std::to_string(loaded.config->sources.size()) +
                           " source(s) and " + std::to_string(loaded.config->miners.size()) +
                           " miner(s); policy " + loaded.config->policy);
    sd_notify("READY=1");
    while (!wait_for_stop(std::chrono::milliseconds(500))) {
    }
    sd_notify("STOPPING=1");
    log::notice("run", "stopping");
    (*site)->stop();
    return 0;
}

}  // namespace hashsink::app
