#include <cstdio>
#include <fstream>
#include <iostream>

#include "daemon/app/catalog.hpp"
#include "daemon/cli/cli.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/cli/demo_site.hpp"
#include "daemon/app/signals.hpp"
#include "daemon/app/site.hpp"
#include "daemon/core/log.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kOptions = {
    {"port", "N", "serve the status page on 127.0.0.1:N (default 8080)", IntRange{0, 65535, 8080}},
    {"speed", "N", "site minutes per real minute (default 60: the day in 13 minutes)",
     IntRange{1, 3600, 60}},
    {"start", "HH:MM", "time of day to start at (default 06:00)"},
    {"db", "FILE", "the journal (default: a new file under /tmp)"},
    {"duration", "SECONDS", "stop by itself after this many seconds (default: run until Ctrl-C)"},
    {"miners", "N",
     "put only the first N emulated miners in the config (default: all); the "
     "others run unconfigured, to be added from the page"},
};

constexpr const char* kSynopsis = "demo [--port 8080] [--speed 60] [--start 06:00] [--db FILE]";
constexpr const char* kSummary =
    "Runs the real daemon against loopback emulators: a SunSpec inverter and grid meter\n"
    "replaying a real solar day, and a mixed fleet: AxeOS (Bitaxe) miners, an Avalon Nano\n"
    "and a miner behind a Shelly plug. Watch it on the status page.";

// The demo's config, written like a user's: only the ports differ.
std::string demo_config(const DemoSite& site, int web_port, std::size_t configured) {
    std::string toml =
        "# hashsink demo: a small solar site with a mixed fleet (Bitaxes, an Avalon Nano, a\n"
        "# miner behind a Shelly plug), all on loopback.\n"
        "[site]\n"
        "name = \"demo\"\n"
        "period = \"1s\"\n"
        "max_draw_w = 650\n"
        "miner_poll_interval = \"2s\"\n"
        "\n[governor]\n"
        "min_dwell = \"5s\"\n"
        "\n[web]\n"
        "listen = \"127.0.0.1:" + std::to_string(web_port) + "\"\n"
        "\n[policy]\n"
        "use = \"solar_surplus\"\n"
        "\n[policy.solar_surplus]\n"
        "reserve_w = 30\n"
        "hysteresis_w = 10\n"
        "enable_delay = \"5s\"\n"
        "disable_delay = \"20s\"\n"
        "shed_after = \"10s\"\n"
        "\n[[sources]]\n"
        "id = \"inverter\"\n"
        "type = \"sunspec\"\n"
        "host = \"127.0.0.1\"\n"
        "port = " + std::to_string(site.inverter_port()) + "\n";
    if (configured >= site.miner_ids().size()) {
        toml += site.miners_toml();
    } else {
        // Only the first AxeOS miners: the rest run unconfigured, to be added from the page.
        auto urls = site.miner_urls();
        for (std::size_t i = 0; i < urls.size() && i < configured; ++i)
            toml += "\n[[miners]]\nid = \"" + site.miner_ids()[i] + "\"\ndriver = \"axeos\"\nurl = \"" +
                    urls[i] + "\"\nallow_overclock = true\n";
    }
    return toml;
}

std::string clock_text(double minute) {
    char buf[16];
    int m = static_cast<int>(minute);
    std::snprintf(buf, sizeof buf, "%02d:%02d", (m / 60) % 24, m % 60);
    return buf;
}

// --port, --speed, --start and --duration; the exit code of a usage error otherwise.
std::optional<int> read_options(const Command& cmd, DemoSiteOptions& opts, long& web_port,
                                std::optional<long>& duration) {
    const Args& args = cmd.args();
    auto port = cmd.int_value("port");
    auto speed = cmd.int_value("speed");
    if (!port || !speed) return kExitUsage;
    web_port = *port;
    opts.speed = static_cast<double>(*speed);
    if (args.has("start")) {
        int h = -1, m = -1;
        if (std::sscanf(args.get("start").c_str(), "%d:%d", &h, &m) != 2 || h < 0 || h > 23 ||
            m < 0 || m > 59)
            return cmd.fail("--start takes HH:MM", kExitUsage);
        opts.start_minute = h * 60 + m;
    }
    duration = args.has("duration") ? args.get_int("duration") : std::nullopt;
    return std::nullopt;
}

// The journal: --db, or a new file under /tmp.
std::string journal_path(const Args& args) {
    std::string db = args.get("db");
    if (db.empty()) {
        char tmpl[] = "/tmp/hashsink-demo-XXXXXX";
        const char* dir = ::mkdtemp(tmpl);
        db = std::string(dir ? dir : "/tmp") + "/demo.db";
    }
    return db;
}

// The config is a real file beside the journal, so the page's set-up can save it. Returns
// its path, empty when it cannot be written (logged).
std::string write_config(const std::string& db, const std::string& toml) {
    auto slash = db.rfind('/');
    const std::string config_path =
        (slash == std::string::npos ? std::string(".") : db.substr(0, slash)) + "/hashsink-demo.toml";
    std::ofstream out(config_path, std::ios::trunc);
    out << toml;
    if (!out) {
        log::error("demo", "cannot write " + config_path);
        return {};
    }
    return config_path;
}

void print_banner(const Site& site, const DemoSite& demo, const DemoSiteOptions& opts,
                  const std::string& db, const std::string& config_path, std::size_t configured) {
    std::cout << "hashsink demo: status page on http://127.0.0.1:" << site.web_port() << "/\n"
              << "  inverter (SunSpec) on 127.0.0.1:" << demo.inverter_port() << ", "
              << demo.miner_count() << " miners (AxeOS, Avalon, a Shelly plug), journal " << db
              << "\n"
              << "  config " << config_path << "\n"
              << "  the day runs " << opts.speed << "x faster; Ctrl-C stops.\n";
    auto urls = demo.miner_urls();
    for (std::size_t i = 0; i < urls.size(); ++i)
        std::cout << "  miner " << demo.miner_ids()[i] << " " << urls[i]
                  << (i < configured ? "" : " (not configured)") << "\n";
    std::cout << std::flush;
}

// Until a stop signal (or the duration): a line every 5 s with the sun, the grid and the fleet.
void report_until_stop(Site& site, const DemoSite& demo, std::optional<long> duration) {
    auto started = std::chrono::steady_clock::now();
    int n = 0;
    while (!wait_for_stop(std::chrono::milliseconds(1000))) {
        if (duration && std::chrono::steady_clock::now() - started >= std::chrono::seconds(*duration)) break;
        if (++n % 5 != 0) continue;
        auto st = site.loop().status_board().latest();
        if (!st) continue;
        int mining = 0;
        for (const auto& m : st->miners)
            if (m.state && m.state->state == MinerRunState::mining) ++mining;
        char line[200];
        std::snprintf(line, sizeof line, "%s  sun %4.0f W  grid %+5.0f W  miners %4.0f W (%d mining)  budget %4.0f W",
                      clock_text(demo.site_minute()).c_str(), demo.pv_ac_w(), demo.grid_w(),
                      st->measured_w, mining, st->decision.budget_w);
        std::cout << line << "\n" << std::flush;
    }
}

}  // namespace

int cmd_demo(const CommandArgs& argv) {
    const Command cmd("demo", kSynopsis, kSummary, kOptions, argv);
    if (auto rc = cmd.early_exit()) return *rc;
    const Args& args = cmd.args();
    DemoSiteOptions opts;
    long web_port = 0;
    std::optional<long> duration;
    if (auto rc = read_options(cmd, opts, web_port, duration)) return *rc;

    DemoSite demo(opts);
    if (auto st = demo.start(); !st) {
        log::error("demo", st.message);
        return kExitUnavailable;
    }
    std::size_t configured = demo.miner_ids().size();
    if (args.has("miners")) {
        auto n = args.get_int("miners");
        if (!n || *n < 0 || *n > static_cast<long>(configured))
            return cmd.fail("--miners must be 0.." + std::to_string(configured), kExitUsage);
        configured = static_cast<std::size_t>(*n);
    }
    const std::string db = journal_path(args);
    const std::string config_path =
        write_config(db, demo_config(demo, static_cast<int>(web_port), configured));
    if (config_path.empty()) return 73;  // EX_CANTCREAT
    auto loaded = config::load_file(config_path, build_catalog());
    if (!loaded.ok()) {
        for (const auto& d : loaded.diagnostics) std::cerr << d.format() << "\n";
        return 70;  // the demo's own config is wrong: a bug
    }
    ignore_file_size_signal();
    SystemClock clock;
    auto site = Site::build(*loaded.config, {db, ""}, clock);
    if (!site) {
        log::error("demo", site.error().message);
        return kExitUnavailable;
    }
    install_stop_signals();
    if (auto st = (*site)->start(); !st) {
        log::error("demo", st.message);
        return kExitUnavailable;
    }
    print_banner(**site, demo, opts, db, config_path, configured);
    report_until_stop(**site, demo, duration);
    (*site)->stop();
    demo.stop();
    return 0;
}

}  // namespace hashsink::app
