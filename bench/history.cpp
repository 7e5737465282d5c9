// History query time on a month of 1-s readings: fills a temporary journal for a small site
// through the journal's own writer (raw rows and rollups), then times the page's hour, day and
// month queries, the same month read from the raw rows (what every query did before the
// rollups), a month's CSV plan, prints the database size per table, and times migration 3
// folding the same raw rows into the rollups (an upgrade from a journal without them),
// migration 5 rebuilding them keyed by time, migration 6 storing the raw rows by time and
// migration 7 storing the readings' names once.
//
//   build/bench/history [days=30] [miners=4]
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/journal/journal.hpp"
#include "daemon/journal/schema.hpp"

using namespace hashsink;
using namespace hashsink::journal;

namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
        .count();
}

// Best of five (of one for a query slower than 2 s): the machine is shared, the minimum is the
// query's own cost.
template <class F>
double best_ms(F&& f) {
    double best = 1e300;
    for (int i = 0; i < 5; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        f();
        best = std::min(best, ms_since(t0));
        if (best > 2000) break;
    }
    return best;
}

void print_sizes(const std::string& path) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return;
    sqlite3_stmt* s = nullptr;
    // dbstat: pages per table including its indexes; absent when SQLite lacks it.
    const char* sql =
        "SELECT COALESCE(m.tbl_name, d.name), SUM(d.pgsize) FROM dbstat d "
        "LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY 1 ORDER BY 2 DESC";
    if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) == SQLITE_OK) {
        std::printf("  %-20s %10s\n", "table (+indexes)", "MiB");
        while (sqlite3_step(s) == SQLITE_ROW) {
            std::printf("  %-20s %10.1f\n", reinterpret_cast<const char*>(sqlite3_column_text(s, 0)),
                        sqlite3_column_int64(s, 1) / 1048576.0);
        }
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
}

}  // namespace

int main(int argc, char** argv) {
    std::setvbuf(stdout, nullptr, _IOLBF, 0);   // progress shows when piped to a file
    const int days = argc > 1 ? std::max(1, std::atoi(argv[1])) : 30;
    const int miners = argc > 2 ? std::max(0, std::atoi(argv[2])) : 4;
    const std::string dir =
        (std::filesystem::temp_directory_path() / ("hashsink-bench-history-" +
                                                   std::to_string(::getpid())))
            .string();
    std::filesystem::create_directories(dir);
    const std::string path = dir + "/history.db";

    JournalOptions o;
    o.path = path;
    o.retention = Duration{0};   // keep everything: the worst case, every raw row present
    o.keep_raw = Duration{0};
    auto opened = Journal::open(o);
    if (!opened) {
        std::fprintf(stderr, "%s\n", opened.error().message.c_str());
        return 1;
    }
    auto& journal = **opened;

    const char* signals[] = {"grid.power_w",    "pv.ac_power_w",       "pv.dc_power_w",
                             "pv.state",        "battery.power_w",     "battery.soc_pct",
                             "price.import_per_kwh", "price.hashprice_per_th_day"};
    const std::int64_t seconds = static_cast<std::int64_t>(days) * 86'400;
    const std::int64_t end_ms = unix_ms(WallClock::now()) / 1000 * 1000;
    const std::int64_t start_ms = end_ms - seconds * 1000;
    std::printf("filling %s: %d days of 1-s ticks, %zu signals, %d miners\n", path.c_str(), days,
                std::size(signals), miners);
    auto t_fill = std::chrono::steady_clock::now();
    for (std::int64_t s = 0; s < seconds; ++s) {
        const double day = std::fmod(s / 86'400.0, 1.0);
        const double pv = std::max(0.0, std::sin((day - 0.25) * 2 * M_PI)) * 8000;
        const double miners_w = std::min(pv, 1200.0 * miners);
        std::vector<ReadingRow> rows;
        rows.reserve(std::size(signals));
        const double values[] = {miners_w + 400 - pv, pv, pv * 1.03, 4, 0, 55, 0.25, 0.05};
        for (std::size_t i = 0; i < std::size(signals); ++i)
            rows.push_back({signals[i], values[i], "site"});
        const TimePoint at = from_unix_ms(start_ms + s * 1000);
        journal.record_readings(at, std::move(rows));
        for (int m = 0; m < miners; ++m) {
            MinerState st;
            st.online = true;
            st.state = MinerRunState::mining;
            st.power_w = miners_w / miners;
            st.hashrate_ths = st.power_w.value() / 17.5;
            journal.record_miner_state(at, "m" + std::to_string(m), st);
        }
        if (s % 10'000 == 9'999) journal.flush();   // stay far below the queue's capacity
    }
    journal.flush();
    const double fill_s = ms_since(t_fill) / 1000;
    const auto stats = journal.stats();
    std::printf("filled in %.1f s: %llu rows written (%.0f rows/s), %llu dropped\n", fill_s,
                static_cast<unsigned long long>(stats.rows_written), stats.rows_written / fill_s,
                static_cast<unsigned long long>(stats.rows_dropped));

    struct Range {
        const char* name;
        std::int64_t span_ms;
    };
    std::printf("\n%-22s %10s %6s %8s %10s\n", "query", "bucket_s", "table", "points", "best_ms");
    auto run = [&](const char* name, const HistoryQuery& q) {
        std::size_t points = 0;
        double t = best_ms([&] {
            auto rows = journal.history(q);
            points = rows ? rows->size() : 0;
        });
        const Resolution r = q.resolution == Resolution::automatic
                                 ? resolution_for_bucket(q.bucket_ms)
                                 : q.resolution;
        std::printf("%-22s %10lld %6s %8zu %10.2f\n", name,
                    static_cast<long long>(q.bucket_ms / 1000), std::string(to_string(r)).c_str(),
                    points, t);
    };
    for (const Range& r : {Range{"hour", 3'600'000LL}, Range{"day", 86'400'000LL},
                           Range{"month", 30LL * 86'400'000}}) {
        if (r.span_ms > seconds * 1000) continue;
        HistoryQuery q = journal.plan_history(end_ms + 1 - r.span_ms, end_ms + 1, 500);
        run(r.name, q);
        if (q.resolution != Resolution::raw) {
            q.resolution = Resolution::raw;
            run((std::string(r.name) + " from raw rows").c_str(), q);
        }
    }
    if (seconds >= 30LL * 86'400) {
        HistoryQuery csv = journal.plan_history(end_ms + 1 - 30LL * 86'400'000, end_ms + 1,
                                                100'000);
        csv.bucket_ms = std::max<std::int64_t>(csv.bucket_ms, 60'000);   // as with keep_raw
        csv.resolution = Resolution::automatic;
        run("month CSV (1 min)", csv);
    }
    opened->reset();   // close: checkpoint the WAL into the file before measuring it

    std::printf("\ndatabase: %.1f MiB\n",
                std::filesystem::file_size(path) / 1048576.0);
    print_sizes(path);

    // An upgrade: migration 3's SQL folding the same raw rows into empty rollup tables.
    {
        sqlite3* db = nullptr;
        int rc = sqlite3_open(path.c_str(), &db);
        auto exec = [&](const char* sql) {
            if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
        };
        // Migration `number` in one transaction, timed.
        auto migrate = [&](int number, const std::string& what) {
            const auto t0 = std::chrono::steady_clock::now();
            exec("BEGIN");
            exec(migrations()[static_cast<std::size_t>(number - 1)]);
            exec("COMMIT");
            std::printf("migration %d on this file (%s): %.1f s%s\n", number, what.c_str(),
                        ms_since(t0) / 1000, rc == SQLITE_OK ? "" : " FAILED");
        };
        // The readings as a version-6 file holds them, by name (not timed).
        exec(
            "BEGIN;"
            "CREATE TABLE readings_t AS SELECT * FROM readings; DROP VIEW readings;"
            "CREATE TABLE readings(ts_ms INTEGER NOT NULL, signal TEXT NOT NULL, value REAL, "
            "source TEXT NOT NULL, PRIMARY KEY(ts_ms, signal, source)) WITHOUT ROWID;"
            "INSERT INTO readings SELECT * FROM readings_t; DROP TABLE readings_t;"
            "DROP VIEW readings_1m; DROP VIEW readings_1h; DROP TABLE reading_samples;"
            "DROP TABLE reading_minutes; DROP TABLE reading_hours; DROP TABLE names; COMMIT;");
        exec("DROP TABLE miner_states_1m; DROP TABLE miner_states_1h;");
        std::printf("\n");
        migrate(3, "folding " + std::to_string(stats.rows_written) + " raw rows");
        // Then the rest of a version-4 file (its indexes by series, not timed) and migration
        // 5, which drops them and rebuilds the rollups keyed by time.
        exec(
            "CREATE INDEX readings_signal_ts ON readings(signal, ts_ms);"
            "CREATE INDEX miner_states_miner_ts ON miner_states(miner_id, ts_ms);"
            "CREATE INDEX targets_miner_ts ON targets(miner_id, ts_ms);");
        migrate(5, "its rollups rebuilt by time");
        // The raw tables as a version-5 file holds them (rowid tables with a (ts_ms) index;
        // not timed), then migration 6 storing them keyed by time.
        exec(
            "BEGIN;"
            "ALTER TABLE readings RENAME TO readings_6;"
            "CREATE TABLE readings(ts_ms INTEGER NOT NULL, signal TEXT NOT NULL, value REAL, "
            "source TEXT NOT NULL);"
            "INSERT INTO readings SELECT * FROM readings_6; DROP TABLE readings_6;"
            "CREATE INDEX readings_ts ON readings(ts_ms);"
            "ALTER TABLE miner_states RENAME TO miner_states_6;"
            "CREATE TABLE miner_states AS SELECT * FROM miner_states_6 WHERE 0;"
            "INSERT INTO miner_states SELECT * FROM miner_states_6; DROP TABLE miner_states_6;"
            "CREATE INDEX miner_states_ts ON miner_states(ts_ms); COMMIT;");
        migrate(6, "raw rows stored by time");
        migrate(7, "signal and source names stored once");
        sqlite3_close(db);
    }
    std::filesystem::remove_all(dir);
    return 0;
}
