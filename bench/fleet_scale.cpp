// The daemon at scale: the real binary (`hashsink run`) against N emulated AxeOS miners on
// loopback, each on its own port, all served by one thread of this process
// (AxeosFleetEmulator), and a SunSpec meter showing export (solar_surplus). 1 s loop, miners
// read every 10 s. After a warm-up, over a window it measures the daemon from /proc (CPU, RSS,
// peak RSS, open files, threads), its journal (rows committed, logical size) and the
// emulator's request count, then reads the loop's own timing from /metrics.
//
//   build/bench/fleet_scale [--miners 10,100,1000,10000] [--seconds 60] [--warmup 20]
//                           [--history-interval 10s] [--binary PATH]
//
// The journal commits history every 10 s here so its rows land inside the window; with the
// daemon's default (30m) its queue holds that much history, which `--history-interval 30m
// --seconds 1900` shows in the peak RSS.
//
// Targets: 10,000 miners: tick lateness p99 under 50 ms, CPU under one core; 10 miners: RSS
// at most 20 MB, CPU at most 1 %. Exits 1 when one is missed or a run fails.
#include <dirent.h>
#include <httplib.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "adapters/transport/open_files.hpp"
#include "emulators/miners/axeos/axeos_fleet_emulator.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "tests/support/inverter_image.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

struct Options {
    std::vector<std::size_t> sizes{10, 100, 1000, 10000};
    double seconds = 60, warmup = 20;
    std::string binary = HASHSINK_BINARY;
    std::string history_interval = "10s";
};

// What /proc says about the daemon now.
struct ProcSample {
    double cpu_s = 0;  // user + system
    double rss_mb = 0, hwm_mb = 0;
    int threads = 0, fds = 0;
};

ProcSample sample_proc(int pid) {
    ProcSample s;
    const std::string dir = "/proc/" + std::to_string(pid);
    std::ifstream stat(dir + "/stat");
    std::string line;
    std::getline(stat, line);
    // Fields after the command's closing parenthesis: state is field 3, utime 14, stime 15.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::vector<std::string> f((std::istream_iterator<std::string>(rest)), {});
    if (f.size() > 12)
        s.cpu_s =
            (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    std::ifstream status(dir + "/status");
    while (std::getline(status, line)) {
        auto value = [&](const char* key) { return std::atof(line.c_str() + std::strlen(key)); };
        if (line.rfind("VmRSS:", 0) == 0) s.rss_mb = value("VmRSS:") / 1024;
        if (line.rfind("VmHWM:", 0) == 0) s.hwm_mb = value("VmHWM:") / 1024;
        if (line.rfind("Threads:", 0) == 0) s.threads = static_cast<int>(value("Threads:"));
    }
    if (DIR* d = ::opendir((dir + "/fd").c_str())) {
        while (const dirent* e = ::readdir(d))
            if (e->d_name[0] != '.') ++s.fds;
        ::closedir(d);
    }
    return s;
}

// The journal as a reader sees it: rows committed in every table, and the database's logical
// size (pages, the WAL's included).
struct JournalSample {
    long long rows = 0;
    double bytes = 0;
};

JournalSample sample_journal(const std::string& path) {
    JournalSample j;
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return j;
    }
    sqlite3_busy_timeout(db, 2000);
    auto scalar = [&](const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        long long v = 0;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return v;
    };
    std::vector<std::string> tables;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &st,
                           nullptr) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW)
            tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    for (const auto& t : tables) j.rows += scalar("SELECT count(*) FROM \"" + t + "\"");
    j.bytes = static_cast<double>(scalar("PRAGMA page_count") * scalar("PRAGMA page_size"));
    sqlite3_close(db);
    return j;
}

// The samples of /metrics, by name with labels ("a{b=\"c\"}") .
std::map<std::string, double> scrape(int port) {
    std::map<std::string, double> m;
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    auto res = c.Get("/metrics");
    if (!res || res->status != 200) return m;
    std::istringstream in(res->body);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto sp = line.rfind(' ');
        if (sp != std::string::npos) m[line.substr(0, sp)] = std::atof(line.c_str() + sp + 1);
    }
    return m;
}

std::size_t online_miners(const std::map<std::string, double>& metrics) {
    std::size_t n = 0;
    for (const auto& [name, v] : metrics)
        if (name.rfind("hashsink_miner_online{", 0) == 0 && v == 1) ++n;
    return n;
}

std::string site_config(std::size_t n, int web_port, int meter_port,
                        const miners::axeos::AxeosFleetEmulator& fleet,
                        const std::string& history_interval) {
    std::string c =
        "[site]\nname = \"fleet\"\nperiod = \"1s\"\nminer_poll_interval = \"10s\"\n"
        "max_draw_w = " +
        std::to_string(n * 30) + "\n" + "[journal]\nhistory_interval = \"" + history_interval +
        "\"\n"
        "[web]\nlisten = \"127.0.0.1:" +
        std::to_string(web_port) + "\"\n" +
        "[policy]\nuse = \"solar_surplus\"\n"
        "[[sources]]\nid = \"meter\"\ntype = \"sunspec\"\nhost = \"127.0.0.1\"\n"
        "port = " +
        std::to_string(meter_port) + "\n";
    c.reserve(c.size() + n * 80);
    for (std::size_t i = 0; i < n; ++i)
        c += "[[miners]]\nid = \"m" + std::to_string(i) + "\"\ndriver = \"axeos\"\nurl = \"" +
             fleet.url(i) + "\"\n";
    return c;
}

struct Row {
    std::size_t miners = 0;
    double window_s = 0, ticks = 0;
    double late_p50 = 0, late_p99 = 0, late_max = 0, work_p50 = 0, work_p99 = 0;
    double cpu_pct = 0;
    ProcSample proc;
    std::size_t online = 0;
    double requests_per_s = 0, rows_per_s = 0, mb_per_day = 0;
};

std::optional<Row> measure(const Options& o, std::size_t n) {
    miners::axeos::AxeosFleetEmulator fleet(n,
                                            {.board = "gamma", .hostname = "bitaxe", .lag_s = 1.0});
    sensors::sunspec::SunspecEmulator meter;
    if (auto st = fleet.start(); !st) {
        std::fprintf(stderr, "fleet_scale: %zu miners: %s\n", n, st.message.c_str());
        return std::nullopt;
    }
    if (!meter.start().ok()) return std::nullopt;
    // Export enough for about a third of the fleet at its lowest level (the meter's int16
    // watts stop at 32 kW).
    meter.update(test::sunny_inverter(2000, -std::min(10.0 * static_cast<double>(n), 30000.0)));
    const std::string dir = test::temp_dir();
    const int web = test::free_port();
    test::write_file(dir + "/site.toml",
                     site_config(n, web, meter.port(), fleet, o.history_interval));
    test::Child daemon({o.binary, "run", "--config", dir + "/site.toml", "--db", dir + "/j.db"},
                       dir + "/daemon.log");
    if (!test::wait_for_port(web, 60s)) {
        std::fprintf(stderr, "fleet_scale: the daemon did not start (log in %s)\n", dir.c_str());
        return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(o.warmup));
    const auto before_metrics = scrape(web);
    const auto j0 = sample_journal(dir + "/j.db");
    const auto r0 = fleet.requests();
    const auto p0 = sample_proc(daemon.pid());
    const auto t0 = Steady::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
    const auto p1 = sample_proc(daemon.pid());
    const double window = std::chrono::duration<double>(Steady::now() - t0).count();
    const auto r1 = fleet.requests();
    const auto j1 = sample_journal(dir + "/j.db");
    const auto m = scrape(web);
    if (!daemon.running() || m.empty()) {
        std::fprintf(stderr, "fleet_scale: the daemon stopped answering (log in %s)\n",
                     dir.c_str());
        return std::nullopt;
    }
    auto q = [&](const char* family, const char* quantile) {
        auto it = m.find(std::string(family) + "{quantile=\"" + quantile + "\"}");
        return it == m.end() ? -1.0 : it->second * 1000;
    };
    Row r;
    r.miners = n;
    r.window_s = window;
    r.ticks = m.at("hashsink_ticks_total") - before_metrics.at("hashsink_ticks_total");
    r.late_p50 = q("hashsink_tick_lateness_seconds", "0.5");
    r.late_p99 = q("hashsink_tick_lateness_seconds", "0.99");
    r.late_max = q("hashsink_tick_lateness_seconds", "1");
    r.work_p50 = q("hashsink_tick_work_seconds", "0.5");
    r.work_p99 = q("hashsink_tick_work_seconds", "0.99");
    r.cpu_pct = (p1.cpu_s - p0.cpu_s) / window * 100;
    r.proc = p1;
    r.online = online_miners(m);
    r.requests_per_s = static_cast<double>(r1 - r0) / window;
    r.rows_per_s = static_cast<double>(j1.rows - j0.rows) / window;
    r.mb_per_day = (j1.bytes - j0.bytes) / window * 86400 / 1e6;
    return r;
}

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string arg = argv[i], value = argv[i + 1];
        if (arg == "--miners") {
            o.sizes.clear();
            std::istringstream in(value);
            for (std::string n; std::getline(in, n, ',');) o.sizes.push_back(std::stoul(n));
        } else if (arg == "--seconds") {
            o.seconds = std::stod(value);
        } else if (arg == "--warmup") {
            o.warmup = std::stod(value);
        } else if (arg == "--history-interval") {
            o.history_interval = value;
        } else if (arg == "--binary") {
            o.binary = value;
        }
    }
    return o;
}

}  // namespace

int main(int argc, char** argv) {
    const Options o = parse(argc, argv);
    // The meter's Modbus server waits with select(): keep low descriptors for it before the
    // fleet's ports take every number below 1024.
    transport::reserve_low_descriptors(8);
    std::printf(
        "fleet_scale: %s; 1 s loop, miners read every 10 s; warm-up %.0f s, window %.0f s\n",
        o.binary.c_str(), o.warmup, o.seconds);
    std::printf(
        "tick lateness and work: quantiles over the daemon's last 600 ticks (start-up "
        "included)\n\n");
    std::printf("%7s %6s %6s | %-23s | %-15s | %6s %7s %7s %6s %5s | %7s %8s %7s %8s\n", "miners",
                "online", "ticks", "late p50/p99/max ms", "work p50/p99 ms", "CPU %", "RSS MB",
                "peak MB", "fds", "thr", "req/s", "rows/s", "MB/day", "");
    int status = 0;
    for (std::size_t n : o.sizes) {
        auto r = measure(o, n);
        if (!r) {
            status = 1;
            continue;
        }
        std::string verdict;
        auto target = [&](bool met, const std::string& what) {
            verdict += (met ? " met: " : " MISSED: ") + what;
            if (!met) status = 1;
        };
        if (n >= 10000) {
            target(r->late_p99 < 50, "p99 < 50 ms");
            target(r->cpu_pct < 100, "CPU < 1 core");
        }
        if (n <= 10) {
            target(r->proc.rss_mb <= 20, "RSS <= 20 MB");
            target(r->cpu_pct <= 1, "CPU <= 1 %");
        }
        std::printf(
            "%7zu %6zu %6.0f | %6.1f %7.1f %7.1f  | %6.1f %7.1f  | %6.2f %7.1f %7.1f %6d %5d "
            "| %7.0f %8.1f %7.1f %s\n",
            r->miners, r->online, r->ticks, r->late_p50, r->late_p99, r->late_max, r->work_p50,
            r->work_p99, r->cpu_pct, r->proc.rss_mb, r->proc.hwm_mb, r->proc.fds, r->proc.threads,
            r->requests_per_s, r->rows_per_s, r->mb_per_day, verdict.c_str());
        std::fflush(stdout);
    }
    return status;
}
