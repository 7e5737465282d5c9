// The journal's footprint on an SD card: what one day of examples/solar-home.toml at a 1 s
// period writes. The day is replayed through the simulator (the daemon's own policy, allocator
// and governor against modelled miners) from a real month trace; every tick records what the
// daemon records into a real journal: the SunSpec source's 9 signals (with meter noise), a
// decision, the targets that change with their apply results, and each miner's state at the
// 5 s poll, with the example's [journal] options (recording on change by default). Time is
// simulated, so the day takes seconds: the bench commits every history_interval of simulated
// time and checkpoints every checkpoint_interval, as the daemon's writer does (the day has no
// events or failed applies, which would commit sooner). A counting VFS measures every byte
// SQLite writes, to the WAL and to the main file (checkpoints), the last commit and checkpoint
// as the journal closes included. The days before it are recorded first and not counted, so the
// day writes into a file as deep as a running daemon's (retention does not prune here: it runs
// on the wall clock, and the replay is shorter than its interval).
//
//   bench/journal_footprint [day] [trace] [history_interval_s] [days_before]
//       (day of the trace, default 9; default trace data/months/nrel_2023jun.csv; the history
//       interval, default the example's [journal] history_interval; days recorded before it,
//       default 14, at most the day's number)
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "daemon/app/catalog.hpp"
#include "daemon/app/site.hpp"
#include "daemon/core/log.hpp"
#include "daemon/core/snapshot.hpp"
#include "daemon/journal/journal.hpp"
#include "daemon/loop/decide.hpp"
#include "policies/registry.hpp"
#include "sim/simulator.hpp"

using namespace hashsink;
using namespace hashsink::journal;

namespace {

// ---- A VFS that counts the bytes SQLite writes, by file kind ----

struct WriteCounts {
    std::uint64_t main_bytes = 0, wal_bytes = 0, other_bytes = 0, syncs = 0;
};
WriteCounts g_counts;
sqlite3_vfs* g_real_vfs = nullptr;
sqlite3_vfs g_counting_vfs;

struct CountingFile {
    sqlite3_file base;  // methods: the counting ones
    std::uint64_t* counter;
    sqlite3_file* real() { return reinterpret_cast<sqlite3_file*>(this + 1); }
};
sqlite3_io_methods g_methods[4];  // per io_methods version of the real file

CountingFile* counting(sqlite3_file* f) { return reinterpret_cast<CountingFile*>(f); }

int counting_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags,
                  int* out_flags) {
    CountingFile* f = counting(file);
    sqlite3_file* real = f->real();
    int rc = g_real_vfs->xOpen(g_real_vfs, name, real, flags, out_flags);
    if (rc != SQLITE_OK || real->pMethods == nullptr) {
        file->pMethods = nullptr;
        return rc;
    }
    f->counter = (flags & SQLITE_OPEN_MAIN_DB) ? &g_counts.main_bytes
                 : (flags & SQLITE_OPEN_WAL)   ? &g_counts.wal_bytes
                                               : &g_counts.other_bytes;
    const int version = std::min(real->pMethods->iVersion, 3);
    sqlite3_io_methods& m = g_methods[version];
    m = *real->pMethods;
    m.xClose = [](sqlite3_file* f) {
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xClose(r);
    };
    m.xRead = [](sqlite3_file* f, void* buf, int n, sqlite3_int64 off) {
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xRead(r, buf, n, off);
    };
    m.xWrite = [](sqlite3_file* f, const void* buf, int n, sqlite3_int64 off) {
        *counting(f)->counter += static_cast<std::uint64_t>(n);
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xWrite(r, buf, n, off);
    };
    m.xTruncate = [](sqlite3_file* f, sqlite3_int64 size) {
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xTruncate(r, size);
    };
    m.xSync = [](sqlite3_file* f, int flags) {
        ++g_counts.syncs;
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xSync(r, flags);
    };
    m.xFileSize = [](sqlite3_file* f, sqlite3_int64* size) {
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xFileSize(r, size);
    };
    m.xLock = [](sqlite3_file* f, int l) {
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xLock(r, l);
    };
    m.xUnlock = [](sqlite3_file* f, int l) {
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xUnlock(r, l);
    };
    m.xCheckReservedLock = [](sqlite3_file* f, int* out) {
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xCheckReservedLock(r, out);
    };
    m.xFileControl = [](sqlite3_file* f, int op, void* arg) {
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xFileControl(r, op, arg);
    };
    m.xSectorSize = [](sqlite3_file* f) {
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xSectorSize(r);
    };
    m.xDeviceCharacteristics = [](sqlite3_file* f) {
        sqlite3_file* r = counting(f)->real();
        return r->pMethods->xDeviceCharacteristics(r);
    };
    if (version >= 2) {
        m.xShmMap = [](sqlite3_file* f, int pg, int sz, int extend, void volatile** out) {
            sqlite3_file* r = counting(f)->real();
            return r->pMethods->xShmMap(r, pg, sz, extend, out);
        };
        m.xShmLock = [](sqlite3_file* f, int offset, int n, int flags) {
            sqlite3_file* r = counting(f)->real();
            return r->pMethods->xShmLock(r, offset, n, flags);
        };
        m.xShmBarrier = [](sqlite3_file* f) {
            sqlite3_file* r = counting(f)->real();
            r->pMethods->xShmBarrier(r);
        };
        m.xShmUnmap = [](sqlite3_file* f, int del) {
            sqlite3_file* r = counting(f)->real();
            return r->pMethods->xShmUnmap(r, del);
        };
    }
    if (version >= 3) {
        m.xFetch = [](sqlite3_file* f, sqlite3_int64 off, int n, void** out) {
            sqlite3_file* r = counting(f)->real();
            return r->pMethods->xFetch(r, off, n, out);
        };
        m.xUnfetch = [](sqlite3_file* f, sqlite3_int64 off, void* p) {
            sqlite3_file* r = counting(f)->real();
            return r->pMethods->xUnfetch(r, off, p);
        };
    }
    file->pMethods = &m;
    return SQLITE_OK;
}

void install_counting_vfs() {
    g_real_vfs = sqlite3_vfs_find(nullptr);
    g_counting_vfs = *g_real_vfs;
    g_counting_vfs.zName = "counting";
    g_counting_vfs.szOsFile = static_cast<int>(sizeof(CountingFile)) + g_real_vfs->szOsFile;
    g_counting_vfs.xOpen = counting_open;
    sqlite3_vfs_register(&g_counting_vfs, 1);
}

// ---- The simulated day, recorded ----

class SimClock final : public Clock {
public:
    TimePoint now() const override { return now_; }
    void set(TimePoint t) { now_ = t; }

private:
    TimePoint now_{};
};

// Noise of a 1 s meter reading: a few watts plus a fraction of the value (gaussian), at the
// resolution a SunSpec device reports power: whole watts (W_SF 0, as the project's emulator and
// common meters and inverters set it). exact(): noise on any other value, not rounded.
class MeterNoise {
public:
    double operator()(double w, double floor_w, double fraction) {
        return std::round(w + normal_(rng_) * (floor_w + fraction * std::abs(w)));
    }
    double exact(double x, double sigma) { return x + normal_(rng_) * sigma; }

private:
    std::mt19937_64 rng_{20230609};
    std::normal_distribution<double> normal_{0, 1};
};

// The daemon's tick (loop::decide_tick, as the simulator's hashsink controller runs it), with
// everything the control loop hands its Recorder written to the journal.
class RecordingController final : public sim::Controller {
public:
    RecordingController(const sim::SimSettings& s, std::unique_ptr<Policy> policy, Journal& j,
                        SimClock& clock, Duration commit_every)
        : settings_(s),
          policy_(std::move(policy)),
          journal_(j),
          clock_(clock),
          commit_every_(commit_every) {
        limits_ = s.loop.limits;
        limits_.period = s.loop.period;
    }
    std::string name() const override { return "hashsink (recorded)"; }

    std::vector<MinerTarget> decide(const SiteSnapshot& in) override {
        SiteSnapshot snap = in;
        clock_.set(snap.now);
        record_readings(snap);
        for (const auto& m : snap.miners)
            if (m.state && m.state_at == snap.now) record_miner(snap.now, m);
        auto d = loop::decide_tick(*policy_, snap, memory_, limits_,
                                   {.priority = settings_.loop.priority,
                                    .start_margin_w = settings_.loop.start_margin_w,
                                    .start_margin_pct = settings_.loop.start_margin_pct},
                                   ramp_credit_w_);
        memory_ = d.decision.memory;
        ramp_credit_w_ = d.ramp_credit_w;
        ++tick_;
        journal_.record_decision(snap.now, tick_, d.decision);
        std::vector<MinerTarget> out;
        for (std::size_t i = 0; i < d.governed.size(); ++i) {
            const auto& g = d.governed[i];
            if (i < snap.miners.size() && !(g.target == snap.miners[i].target)) {
                journal_.record_target(snap.now, tick_, snap.miners[i].id, g.target, g.reason);
                journal_.record_apply_result(snap.now, tick_, snap.miners[i].id, Status::success());
            }
            out.push_back(g.target);
        }
        // The writer commits history every history_interval (events at once: the bench has
        // none); time is simulated, so the bench commits when that much has passed.
        if (snap.now >= next_commit_) {
            journal_.flush();
            next_commit_ = snap.now + commit_every_;
        }
        return out;
    }

private:
    // The SunSpec source's signals for an inverter with two MPPTs and a meter.
    void record_readings(SiteSnapshot& snap) {
        auto value = [&](std::string_view name) {
            auto* r = snap.find(name);
            return r ? r->value : 0.0;
        };
        const double ac = std::max(0.0, noise_(value(signal::kPvAcPowerW), 1, 0.002));
        const double grid = noise_(value(signal::kGridPowerW), 3, 0.003);
        snap.readings[std::string(signal::kPvAcPowerW)].value = ac;
        snap.readings[std::string(signal::kGridPowerW)].value = grid;
        const double dc = ac > 0 ? noise_(ac / 0.965, 1, 0.002) : 0;
        const double mppt1 = ac > 0 ? noise_(dc * 0.52, 1, 0.003) : 0;
        std::vector<ReadingRow> rows = {
            {std::string(signal::kPvAcPowerW), ac, "inverter"},
            {std::string(signal::kPvDcPowerW), dc, "inverter"},
            {signal::mppt_dc_power_w(1), mppt1, "inverter"},
            {signal::mppt_dc_power_w(2), std::max(0.0, dc - mppt1), "inverter"},
            {std::string(signal::kPvRatingW), 10000, "inverter"},
            {std::string(signal::kPvLimitW), 10000, "inverter"},
            {std::string(signal::kPvLimitActive), 0, "inverter"},
            {std::string(signal::kPvState), value(signal::kPvState), "inverter"},
            {std::string(signal::kGridPowerW), grid, "inverter"},
        };
        journal_.record_readings(snap.now, std::move(rows));
    }

    // What the drivers report: the model's power and hashrate, and a chip temperature and fan
    // speed that follow the power with sensor noise (the simulated model reports neither).
    void record_miner(TimePoint at, const MinerView& m) {
        MinerState s = *m.state;
        const double load = m.max_power_w > 0 && s.power_w ? *s.power_w / m.max_power_w : 0.5;
        s.chip_temp_c = std::round(noise_.exact(45 + 20 * load, 0.5) * 10) / 10;
        s.fan_rpm = noise_(2500 + 3000 * load, 30, 0);
        journal_.record_miner_state(at, m.id, s);
    }

    const sim::SimSettings& settings_;
    std::unique_ptr<Policy> policy_;
    Journal& journal_;
    SimClock& clock_;
    loop::SiteLimits limits_;
    PolicyMemory memory_;
    double ramp_credit_w_ = 0;
    std::uint64_t tick_ = 0;
    MeterNoise noise_;
    Duration commit_every_;
    TimePoint next_commit_{};
};

// Days [first, last] of the month.
sim::Trace days_of(const sim::Trace& month, int first, int last) {
    sim::Trace out;
    out.name = month.name.substr(month.name.find_last_of('/') + 1) + " day " + std::to_string(last);
    const double from = month.start_s() + first * 86400.0,
                 to = month.start_s() + (last + 1) * 86400.0;
    for (std::size_t i = 0; i < month.time_s.size(); ++i) {
        if (month.time_s[i] < from || month.time_s[i] > to) continue;
        out.time_s.push_back(month.time_s[i]);
        for (std::size_t c = 0; c < month.columns.size(); ++c)
            if (!month.columns[c].empty()) out.columns[c].push_back(month.columns[c][i]);
    }
    return out;
}

std::int64_t file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? static_cast<std::int64_t>(st.st_size) : 0;
}

double mb(double bytes) { return bytes / 1e6; }

// The measured day's rows, by table.
void print_day_rows(const std::string& path, std::int64_t from_ms) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    std::printf("  rows a day:");
    for (const char* table : {"readings", "decisions", "miner_states", "targets", "events",
                              "readings_1m", "readings_1h", "miner_states_1m", "miner_states_1h"}) {
        sqlite3_stmt* s = nullptr;
        const std::string sql = std::string("SELECT COUNT(*) FROM ") + table +
                                " WHERE ts_ms >= ?1 AND ts_ms < ?1 + 86400000";
        long long n = -1;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK) {
            sqlite3_bind_int64(s, 1, from_ms);
            if (sqlite3_step(s) == SQLITE_ROW) n = sqlite3_column_int64(s, 0);
        }
        sqlite3_finalize(s);
        std::printf(" %s %lld", table, n);
    }
    std::printf("\n");
    sqlite3_close(db);
}

// What retention holds: the day's bytes of the per-tick tables (and their indexes) kept for
// keep_raw, and of the rest (rollups, targets, events) kept for retention (SQLite's dbstat).
void print_steady_size(const std::string& path, const JournalOptions& o, int days) {
    sqlite3* db = nullptr;
    sqlite3_stmt* s = nullptr;
    double raw = 0, rest = 0;
    sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    if (sqlite3_prepare_v2(db,
                           "SELECT m.tbl_name IN ('reading_samples', 'miner_states', 'decisions'), "
                           "SUM(d.pgsize) FROM dbstat d JOIN sqlite_schema m ON m.name = d.name "
                           "GROUP BY 1",
                           -1, &s, nullptr) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW)
            (sqlite3_column_int(s, 0) ? raw : rest) += sqlite3_column_double(s, 1);
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
    raw /= days;
    rest /= days;
    using Days = std::chrono::duration<double, std::ratio<86400>>;
    const double raw_days = Days(o.keep_raw).count(), all_days = Days(o.retention).count();
    std::printf(
        "  a day in the file: raw rows %.1f MB (kept %.0f days) + rollups, targets, events "
        "%.1f MB (kept %.0f days): the file levels off near %.0f MB\n",
        mb(raw), raw_days, mb(rest), all_days, mb(raw * raw_days + rest * all_days));
}

}  // namespace

int main(int argc, char** argv) {
    log::set_level(log::Level::error);
    const std::string root = HASHSINK_SOURCE_DIR;
    const int day = argc > 1 ? std::atoi(argv[1]) : 9;
    const std::string trace_path = argc > 2 ? argv[2] : root + "/data/months/nrel_2023jun.csv";
    const int days_before = std::clamp(argc > 4 ? std::atoi(argv[4]) : 14, 0, day);
    install_counting_vfs();

    auto loaded = config::load_file(root + "/examples/solar-home.toml", app::build_catalog());
    if (!loaded.ok()) {
        for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
        return 1;
    }
    auto settings = sim::settings_from_config(*loaded.config);
    auto month = sim::load_trace(trace_path);
    if (!settings || !month) {
        std::fprintf(stderr, "%s\n",
                     (!settings ? settings.error() : month.error()).message.c_str());
        return 1;
    }
    settings->loop.period = std::chrono::seconds{1};
    const sim::Trace trace = days_of(*month, day - days_before, day);
    const double day_start_s = month->start_s() + day * 86400.0;

    char dir_template[] = "/tmp/hashsink-footprint-XXXXXX";
    const char* dir = ::mkdtemp(dir_template);
    if (dir == nullptr) return 1;
    const std::string path = std::string(dir) + "/footprint.db";

    SimClock clock;
    clock.set(from_unix_ms(static_cast<std::int64_t>(trace.start_s() * 1000)));
    // The daemon's journal options from the example's [journal] section.
    auto section = config::journal_settings().from(loaded.config->journal);
    if (argc > 3) section.history_interval = std::chrono::seconds{std::atoi(argv[3])};
    JournalOptions o = app::journal_options(section);
    o.path = path;
    o.clock = &clock;
    const Duration commit_every =
        o.history_interval > Duration{0} ? o.history_interval : o.commit_interval;
    const double checkpoint_s = std::chrono::duration<double>(o.checkpoint_interval).count();
    o.commit_interval = std::chrono::hours{24};  // the bench commits (above)
    o.history_interval = std::chrono::hours{24};
    o.checkpoint_interval = std::chrono::hours{24 * 365};  // the bench checkpoints (below)
    auto journal = Journal::open(o);
    if (!journal) {
        std::fprintf(stderr, "%s\n", journal.error().message.c_str());
        return 1;
    }
    (*journal)->flush();
    const WriteCounts at_open = g_counts;

    sqlite3* checkpointer = nullptr;
    sqlite3_open_v2(path.c_str(), &checkpointer, SQLITE_OPEN_READWRITE, nullptr);
    auto tables = settings->policy_tables;
    tables[settings->policy] = settings->policy_options;
    auto policy = policies::make_policy(settings->policy, tables, settings->time_zone);
    if (!policy) return 1;
    RecordingController controller(*settings, std::move(policy), **journal, clock, commit_every);
    double next_checkpoint = trace.start_s() + checkpoint_s;
    sim::RunOptions run_options;
    // The measured day is the last: what the days before wrote is not counted.
    WriteCounts at_day = at_open;
    Stats stats_at_day = (*journal)->stats();
    bool day_started = days_before == 0;
    run_options.on_tick = [&](const sim::TickSample& t) {
        if (!day_started && t.t_s >= day_start_s) {
            day_started = true;
            at_day = g_counts;
            stats_at_day = (*journal)->stats();
        }
        if (t.t_s < next_checkpoint) return;
        next_checkpoint += checkpoint_s;
        sqlite3_wal_checkpoint_v2(checkpointer, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                  nullptr);
    };
    const auto started = std::chrono::steady_clock::now();
    sim::run(trace, *settings, controller, run_options);
    (*journal)->flush();
    sqlite3_close(checkpointer);
    const Stats stats = (*journal)->stats();
    journal->reset();  // closing: each series' last sample (one more commit), a last checkpoint
    const double run_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const WriteCounts c = g_counts;

    std::printf(
        "journal footprint: examples/solar-home.toml, 1 s period, %s (%.1f h) after %d days "
        "recorded (%.1f h in all, replayed in %.1f s)\n",
        trace.name.c_str(), (trace.end_s() - day_start_s) / 3600, days_before,
        (trace.end_s() - trace.start_s()) / 3600, run_s);
    std::printf("  commits %llu, rows written %llu, dropped %llu\n",
                static_cast<unsigned long long>(stats.commits + 1 - stats_at_day.commits),
                static_cast<unsigned long long>(stats.rows_written - stats_at_day.rows_written),
                static_cast<unsigned long long>(stats.rows_dropped - stats_at_day.rows_dropped));
    const double wal = static_cast<double>(c.wal_bytes - at_day.wal_bytes);
    const double main = static_cast<double>(c.main_bytes - at_day.main_bytes);
    std::printf(
        "  written a day: WAL %.1f MB + main file (checkpoints) %.1f MB = %.1f MB; "
        "main file size %.1f MB\n",
        mb(wal), mb(main), mb(wal + main), mb(static_cast<double>(file_size(path))));
    print_day_rows(path, static_cast<std::int64_t>(day_start_s * 1000));
    print_steady_size(path, o, days_before + 1);
    std::string cleanup = std::string("rm -rf ") + dir;
    return std::system(cleanup.c_str()) == 0 ? 0 : 1;
}
