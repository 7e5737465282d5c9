// History rollups: per-minute and per-hour aggregates on hand-computable data, the resolution a
// query reads, the plan for a range, keep_raw pruning, and migration from schema version 2.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <random>

#include "daemon/journal/journal.hpp"
#include "daemon/journal/schema.hpp"
#include "daemon/journal/sqlite.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/journal/open_journal.hpp"
#include "tests/unit/journal/sql.hpp"

using namespace hashsink;
using namespace hashsink::journal;
using namespace std::chrono_literals;
using hashsink::test::open_journal;

namespace {

// A fixed clock hour well inside default retention.
std::int64_t hour_start() { return test::hour_start_ago(3); }

MinerState mining(double power_w, std::optional<double> hashrate_ths) {
    MinerState s;
    s.online = true;
    s.state = MinerRunState::mining;
    s.power_w = power_w;
    s.hashrate_ths = hashrate_ths;
    return s;
}

HistoryRow only_row(const Result<std::vector<HistoryRow>>& rows) {
    REQUIRE(rows.has_value());
    REQUIRE(rows->size() == 1);
    return rows->front();
}

}  // namespace

TEST_CASE("journal rollups: minute and hour aggregates of hand-computed readings", "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    JournalOptions o;
    bool announced = false;
    o.on_migration = [&](int) { announced = true; };
    auto j = open_journal(path, o);
    CHECK_FALSE(announced);
    const std::int64_t h = hour_start();
    // Minute 0: grid 100, -50, 250 (import 350/3, export 50/3); minute 1: grid -300.
    j->record_readings(from_unix_ms(h + 1000), {{"grid.power_w", 100, "m"}});
    j->record_readings(from_unix_ms(h + 2000), {{"grid.power_w", -50, "m"}});
    j->flush();   // two batches fold into one minute row
    j->record_readings(from_unix_ms(h + 59'999), {{"grid.power_w", 250, "m"}});
    j->record_readings(from_unix_ms(h + 60'000), {{"grid.power_w", -300, "m"},
                                                  {"pv.ac_power_w", NAN, "inv"}});
    j->flush();

    CHECK(test::sql_text(path, "SELECT n || ' ' || sum_value || ' ' || min_value || ' ' || "
                               "max_value || ' ' || sum_pos || ' ' || sum_neg FROM readings_1m "
                               "WHERE signal='grid.power_w' AND ts_ms=" +
                                   std::to_string(h)) == "3 300.0 -50.0 250.0 350.0 50.0");
    CHECK(test::sql_text(path, "SELECT n || ' ' || sum_value FROM readings_1m WHERE ts_ms=" +
                                   std::to_string(h + 60'000)) == "1 -300.0");
    // NaN is stored as NULL and not averaged: no rollup row for pv.
    CHECK(test::sql_text(path, "SELECT COUNT(*) FROM readings_1m WHERE signal='pv.ac_power_w'") ==
          "0");
    CHECK(test::sql_text(path, "SELECT n || ' ' || sum_value || ' ' || min_value || ' ' || "
                               "max_value || ' ' || sum_pos || ' ' || sum_neg FROM readings_1h "
                               "WHERE signal='grid.power_w'") ==
          "4 0.0 -300.0 250.0 350.0 350.0");

    // One 2-minute bucket read from each table gives the same figures.
    for (Resolution r : {Resolution::raw, Resolution::minute}) {
        HistoryQuery q{h, h + 120'000, 120'000, r};
        const HistoryRow row = only_row(j->history(q));
        CHECK(row.ts_ms == h);
        CHECK(*row.grid_w == Approx(0.0));
        CHECK(*row.import_w == Approx(87.5));
        CHECK(*row.export_w == Approx(87.5));
        CHECK(*row.grid_min_w == -300.0);
        CHECK(*row.grid_max_w == 250.0);
        CHECK_FALSE(row.pv_w.has_value());
    }
    const HistoryRow hourly = only_row(j->history({h, h + 3'600'000, 3'600'000}));
    CHECK(*hourly.grid_w == Approx(0.0));
    CHECK(*hourly.import_w == Approx(87.5));
}

TEST_CASE("journal rollups: miners are summed over each one's mean, offline counts as 0",
          "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    auto j = open_journal(path);
    const std::int64_t h = hour_start();
    // a: 1000 W then offline (0 W); b: 300 W and 500 W, hashrate missing once.
    j->record_miner_state(from_unix_ms(h + 1000), "a", mining(1000, 100));
    MinerState off;
    off.online = false;
    off.state = MinerRunState::offline;
    j->record_miner_state(from_unix_ms(h + 31'000), "a", off);
    j->record_miner_state(from_unix_ms(h + 1000), "b", mining(300, 1.0));
    j->record_miner_state(from_unix_ms(h + 61'000), "b", mining(500, std::nullopt));
    j->flush();

    CHECK(test::sql_text(path, "SELECT n || ' ' || online_n || ' ' || n_power || ' ' || "
                               "sum_power_w || ' ' || min_power_w || ' ' || max_power_w || ' ' || "
                               "n_hashrate || ' ' || sum_hashrate_ths FROM miner_states_1m "
                               "WHERE miner_id='a'") == "2 1 2 1000.0 0.0 1000.0 2 100.0");
    CHECK(test::sql_text(path, "SELECT n_hashrate || ' ' || sum_power_w FROM miner_states_1h "
                               "WHERE miner_id='b'") == "1 800.0");
    for (Resolution r : {Resolution::raw, Resolution::minute, Resolution::hour}) {
        const HistoryRow row = only_row(j->history({h, h + 3'600'000, 3'600'000, r}));
        // a: mean 500 W; b: mean 400 W. Hashrate: a 50, b 1 (the missing poll not counted).
        CHECK(*row.miners_w == Approx(900.0));
        CHECK(*row.hashrate_ths == Approx(51.0));
    }
}

TEST_CASE("journal rollups: random data reads the same from raw rows and rollups", "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    auto j = open_journal(path);
    const std::int64_t h = hour_start() - 3'600'000;
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> watts(-3000, 5000);
    for (int s = 0; s < 2 * 3600; s += 7) {
        j->record_readings(from_unix_ms(h + s * 1000LL),
                           {{"grid.power_w", watts(rng), "m"}, {"pv.ac_power_w", watts(rng), "i"}});
        j->record_miner_state(from_unix_ms(h + s * 1000LL), "m1", mining(watts(rng), 10));
        if (s % 3 == 0) j->flush();
    }
    j->flush();
    for (std::int64_t bucket : {300'000LL, 3'600'000LL}) {
        auto raw = j->history({h, h + 7'200'000, bucket, Resolution::raw});
        auto rolled = j->history({h, h + 7'200'000, bucket, Resolution::automatic});
        REQUIRE(raw.has_value());
        REQUIRE(rolled.has_value());
        REQUIRE(raw->size() == rolled->size());
        for (std::size_t i = 0; i < raw->size(); ++i) {
            const auto& a = (*raw)[i];
            const auto& b = (*rolled)[i];
            CHECK(a.ts_ms == b.ts_ms);
            CHECK(*a.pv_w == Approx(*b.pv_w));
            CHECK(*a.import_w == Approx(*b.import_w));
            CHECK(*a.export_w == Approx(*b.export_w));
            CHECK(*a.grid_min_w == *b.grid_min_w);
            CHECK(*a.grid_max_w == *b.grid_max_w);
            CHECK(*a.miners_w == Approx(*b.miners_w));
        }
    }
}

TEST_CASE("journal rollups: the resolution follows the bucket and the range", "[journal]") {
    CHECK(resolution_for_bucket(1000) == Resolution::raw);
    CHECK(resolution_for_bucket(10'000) == Resolution::raw);
    CHECK(resolution_for_bucket(300'000) == Resolution::minute);
    CHECK(resolution_for_bucket(90'000) == Resolution::raw);
    CHECK(resolution_for_bucket(7'200'000) == Resolution::hour);

    const std::string path = test::temp_dir() + "/journal.db";
    auto j = open_journal(path);
    const std::int64_t now = unix_ms(WallClock::now());
    struct Case {
        std::int64_t span_ms, bucket_ms;
        Resolution resolution;
    };
    for (const Case& c : {Case{3'600'000, 10'000, Resolution::raw},
                          Case{86'400'000, 300'000, Resolution::minute},
                          Case{30LL * 86'400'000, 7'200'000, Resolution::hour}}) {
        HistoryQuery q = j->plan_history(now - c.span_ms, now, 500);
        CHECK(q.bucket_ms == c.bucket_ms);
        CHECK(q.resolution == c.resolution);
        CHECK((q.to_ms - q.from_ms) / q.bucket_ms <= 500);
    }
    // An export of a day reads every second; of a month, the minute rollup (raw rows are
    // pruned after keep_raw, 14 days by default).
    CHECK(j->plan_history(now - 86'400'000, now, 100'000).bucket_ms == 1000);
    HistoryQuery month = j->plan_history(now - 30LL * 86'400'000, now, 100'000);
    CHECK(month.bucket_ms == 60'000);
    CHECK(month.resolution == Resolution::minute);
    // A recent range that raw rows still cover may use sub-minute buckets.
    CHECK(j->plan_history(now - 3LL * 86'400'000, now, 100'000).bucket_ms == 5000);
    // A bucket that is not a multiple of the rollup asked for is refused.
    auto bad = j->history({now - 3'600'000, now, 90'000, Resolution::minute});
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message.find("multiple of the 1m rollup") != std::string::npos);
}

TEST_CASE("journal rollups: keep_raw prunes per-tick rows, the rollups keep the history",
          "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    JournalOptions o;
    o.retention = 24h * 30;
    o.keep_raw = 1h;
    o.retention_interval = Duration{0};
    auto j = open_journal(path, o);
    const std::int64_t old_h = hour_start() - 5 * 3'600'000;
    j->record_readings(from_unix_ms(old_h + 5000), {{"grid.power_w", 42, "m"}});
    j->record_miner_state(from_unix_ms(old_h + 5000), "a", mining(100, 1));
    j->record_event(from_unix_ms(old_h + 5000), Severity::info, "t", "a", "kept");
    j->record_readings(WallClock::now(), {{"grid.power_w", 7, "m"}});
    j->flush();   // writes, then prunes in the same writer cycle
    j->flush();
    CHECK(*j->count("readings") == 1);
    CHECK(*j->count("miner_states") == 0);
    CHECK(*j->count("events") == 1);
    CHECK(*j->count("readings_1m") == 2);
    CHECK(*j->count("readings_1h") == 2);
    HistoryQuery q = j->plan_history(old_h, old_h + 3'600'000, 500);
    CHECK(q.bucket_ms >= 60'000);   // raw rows are gone there
    const HistoryRow row = only_row(j->history(q));
    CHECK(*row.grid_w == 42.0);
    CHECK(*row.miners_w == 100.0);
}

TEST_CASE("journal rollups: migrating a version-2 journal folds its raw rows in", "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    const std::int64_t h = hour_start();
    {
        // Build a version-2 database with the first two migrations only.
        Database db;
        REQUIRE(db.open(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) == SQLITE_OK);
        auto exec = [&](const std::string& sql) { return db.exec(sql.c_str()); };
        REQUIRE(exec("CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, "
                        "applied_at_ms INTEGER NOT NULL)") == SQLITE_OK);
        for (int v = 1; v <= 2; ++v) {
            REQUIRE(exec(migrations()[v - 1]) == SQLITE_OK);
            REQUIRE(exec("INSERT INTO schema_migrations VALUES(" + std::to_string(v) +
                            ", 1)") == SQLITE_OK);
        }
        for (int i = 0; i < 120; ++i) {
            // grid alternates +100 / -100 W each second; pv 10 W.
            std::string ts = std::to_string(h + i * 1000LL);
            REQUIRE(exec("INSERT INTO readings VALUES(" + ts + ", 'grid.power_w', " +
                            (i % 2 ? "-100" : "100") + ", 'm')") == SQLITE_OK);
            REQUIRE(exec("INSERT INTO readings VALUES(" + ts + ", 'pv.ac_power_w', 10, 'i')") ==
                    SQLITE_OK);
            REQUIRE(exec("INSERT INTO miner_states(ts_ms, miner_id, online, state, power_w, "
                            "hashrate_ths) VALUES(" + ts + ", 'a', " + (i < 60 ? "1" : "0") +
                            ", 'mining', 200, 2)") == SQLITE_OK);
        }
    }
    std::vector<int> announced;
    JournalOptions o;
    o.on_migration = [&](int v) { announced.push_back(v); };
    auto j = open_journal(path, o);
    CHECK(announced.front() == 3);   // an upgrade is announced; a new file is not
    CHECK(test::sql_text(path, "SELECT MAX(version) FROM schema_migrations") ==
          std::to_string(Journal::schema_version()));
    CHECK(*j->count("readings_1m") == 4);   // 2 minutes x 2 signals
    CHECK(*j->count("readings_1h") == 2);
    CHECK(test::sql_text(path, "SELECT n || ' ' || sum_pos || ' ' || sum_neg FROM readings_1h "
                               "WHERE signal='grid.power_w'") == "120 6000.0 6000.0");
    CHECK(test::sql_text(path, "SELECT online_n || ' ' || sum_power_w FROM miner_states_1h") ==
          "60 12000.0");
    const HistoryRow row = only_row(j->history({h, h + 3'600'000, 3'600'000}));
    CHECK(*row.grid_w == Approx(0.0));
    CHECK(*row.import_w == Approx(50.0));
    CHECK(*row.pv_w == Approx(10.0));
    CHECK(*row.miners_w == Approx(100.0));
    CHECK(*row.hashrate_ths == Approx(1.0));
    // New rows add to the folded ones.
    j->record_readings(from_unix_ms(h + 200'000), {{"grid.power_w", 300, "m"}});
    j->flush();
    CHECK(test::sql_text(path, "SELECT n || ' ' || max_value FROM readings_1h WHERE "
                               "signal='grid.power_w'") == "121 300.0");
}

TEST_CASE("journal history: any one signal, from raw rows and from each rollup", "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    auto j = open_journal(path);
    const std::int64_t h = hour_start();
    // A zone's temperature: 20, 21 in minute 0; 23 in minute 1; another signal beside it.
    j->record_readings(from_unix_ms(h + 1000), {{"house.temp_c", 20, "t"}, {"grid.power_w", 5, "m"}});
    j->record_readings(from_unix_ms(h + 30'000), {{"house.temp_c", 21, "t"}});
    j->record_readings(from_unix_ms(h + 61'000), {{"house.temp_c", 23, "t"}});
    j->flush();
    for (Resolution r : {Resolution::raw, Resolution::minute}) {
        auto rows = j->signal_history("house.temp_c", {h, h + 120'000, 60'000, r});
        REQUIRE(rows.has_value());
        REQUIRE(rows->size() == 2);
        CHECK((*rows)[0].ts_ms == h);
        CHECK((*rows)[0].mean == Approx(20.5));
        CHECK((*rows)[0].min == 20);
        CHECK((*rows)[0].max == 21);
        CHECK((*rows)[1].mean == Approx(23));
    }
    auto hourly = j->signal_history("house.temp_c", {h, h + 3'600'000, 3'600'000});
    REQUIRE(hourly.has_value());
    REQUIRE(hourly->size() == 1);
    CHECK(hourly->front().mean == Approx(64.0 / 3));
    // Unknown signals have no rows; a bad query is refused like history's.
    CHECK(j->signal_history("nothing", {h, h + 120'000, 60'000})->empty());
    CHECK_FALSE(j->signal_history("house.temp_c", {h, h, 60'000}).has_value());
    CHECK_FALSE(j->signal_history("house.temp_c", {h, h + 120'000, 90'000, Resolution::minute})
                    .has_value());
}
