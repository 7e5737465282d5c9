// Migrations: from empty, idempotent reopen, refusal of newer or foreign databases.
#include <catch2/catch.hpp>

#include "daemon/journal/journal.hpp"
#include "daemon/journal/schema.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/journal/sql.hpp"

using namespace hashsink;
using namespace hashsink::journal;

namespace {
JournalOptions options_for(const std::string& path) {
    JournalOptions o;
    o.path = path;
    return o;
}
}  // namespace

TEST_CASE("journal schema: migrations create every table in an empty file", "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    auto j = Journal::open(options_for(path));
    REQUIRE(j.has_value());
    const std::string latest = std::to_string(Journal::schema_version());
    CHECK(test::sql_text(path, "SELECT MAX(version) FROM schema_migrations") == latest);
    CHECK(test::sql_text(path, "SELECT COUNT(*) FROM schema_migrations") == latest);
    CHECK(test::sql_text(path, "SELECT applied_at_ms > 1600000000000 FROM schema_migrations") ==
          "1");
    for (const char* table : {"readings", "miner_states", "decisions", "targets", "events"}) {
        auto n = (*j)->count(table);
        REQUIRE(n.has_value());
        CHECK(*n == 0);
    }
    CHECK(test::sql_text(path, "PRAGMA journal_mode") == "wal");
    CHECK(test::sql_text(path,
                         "SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND "
                         "name IN ('targets_tick_miner','events_ts','decisions_ts')") == "3");
    // Nothing is indexed by series first: a commit's rows land in the last pages of each index,
    // not in one leaf per signal or miner (migration 5).
    CHECK(test::sql_text(path,
                         "SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND "
                         "(sql LIKE '%(signal%' OR sql LIKE '%(miner_id%')") == "0");
    CHECK(test::sql_text(path,
                         "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('reading_minutes', "
                         "'reading_hours', 'miner_states_1m', 'miner_states_1h') AND "
                         "sql LIKE '%PRIMARY KEY(ts_ms, %WITHOUT ROWID'") == "4");
    // The per-tick readings and miner states too, with no index beside them (migration 6).
    CHECK(test::sql_text(path,
                         "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('reading_samples', "
                         "'miner_states') AND sql LIKE '%PRIMARY KEY(ts_ms, %WITHOUT ROWID'") ==
          "2");
    CHECK(test::sql_text(path,
                         "SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND tbl_name IN "
                         "('reading_samples', 'miner_states') AND sql IS NOT NULL") == "0");
    // Readings name their signal and source by number; the old tables are views (migration 7).
    CHECK(test::sql_text(path,
                         "SELECT COUNT(*) FROM sqlite_master WHERE type='view' AND name IN "
                         "('readings', 'readings_1m', 'readings_1h')") == "3");
    // Small pages: a commit rewrites the last page of each b-tree it touches.
    CHECK(test::sql_text(path, "PRAGMA page_size") == "1024");
}

TEST_CASE("journal schema: a file made with 4 KiB pages keeps them, and records and reads",
          "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    REQUIRE(test::sql_exec(path,
                           "PRAGMA page_size=4096; PRAGMA journal_mode=WAL; "
                           "CREATE TABLE t(x); DROP TABLE t;"));
    {
        auto j = Journal::open(options_for(path));
        REQUIRE(j.has_value());
        (*j)->record_event(WallClock::now(), Severity::notice, "journal.test", "a", "kept");
        (*j)->flush();
        auto n = (*j)->count("events");
        REQUIRE(n.has_value());
        CHECK(*n == 1);
    }
    CHECK(test::sql_text(path, "PRAGMA page_size") == "4096");
    CHECK(test::sql_text(path, "SELECT message FROM events") == "kept");
}

TEST_CASE("journal schema: reopening is idempotent and keeps rows", "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    {
        auto j = Journal::open(options_for(path));
        REQUIRE(j.has_value());
        (*j)->record_event(WallClock::now(), Severity::notice, "journal.test", "a", "first");
    }
    for (int i = 0; i < 2; ++i) {
        auto j = Journal::open(options_for(path));
        REQUIRE(j.has_value());
        auto n = (*j)->count("events");
        REQUIRE(n.has_value());
        CHECK(*n == 1);
    }
    CHECK(test::sql_text(path, "SELECT COUNT(*) FROM schema_migrations") ==
          std::to_string(Journal::schema_version()));
}

TEST_CASE("journal schema: a database newer than the code is refused", "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    { REQUIRE(Journal::open(options_for(path)).has_value()); }
    REQUIRE(test::sql_exec(path, "INSERT INTO schema_migrations VALUES(" +
                                     std::to_string(Journal::schema_version() + 5) + ", 0)"));
    auto j = Journal::open(options_for(path));
    REQUIRE_FALSE(j.has_value());
    CHECK(j.error().code == ErrorCode::io);
    CHECK_THAT(j.error().message, Catch::Contains("journal " + path));
    CHECK_THAT(j.error().message, Catch::Contains("newer than this hashsink knows"));
}

TEST_CASE("journal schema: foreign files are refused", "[journal]") {
    const std::string dir = test::temp_dir();

    SECTION("another application's database") {
        const std::string path = dir + "/other.db";
        REQUIRE(test::sql_exec(path, "CREATE TABLE customers(id INTEGER)"));
        auto j = Journal::open(options_for(path));
        REQUIRE_FALSE(j.has_value());
        CHECK_THAT(j.error().message, Catch::Contains("not a hashsink journal"));
        CHECK(test::sql_text(path, "SELECT COUNT(*) FROM sqlite_master") == "1");
    }
    SECTION("a directory that does not exist") {
        auto j = Journal::open(options_for(dir + "/missing/journal.db"));
        REQUIRE_FALSE(j.has_value());
        CHECK_THAT(j.error().message, Catch::Contains("open database"));
        CHECK_THAT(j.error().message, Catch::Contains("does not exist"));
    }
    SECTION("no path") {
        auto j = Journal::open(options_for(""));
        REQUIRE_FALSE(j.has_value());
        CHECK_THAT(j.error().message, Catch::Contains("no path given"));
    }
}

TEST_CASE("journal schema: an old database gets the missing migrations and keeps its rows",
          "[journal]") {
    REQUIRE(Journal::schema_version() >= 2);
    const std::string path = test::temp_dir() + "/journal.db";
    // A version-1 file, as the first release wrote it.
    REQUIRE(test::sql_exec(path, std::string("CREATE TABLE schema_migrations(version INTEGER "
                                             "PRIMARY KEY, applied_at_ms INTEGER NOT NULL);") +
                                     migrations()[0] +
                                     "INSERT INTO schema_migrations VALUES(1, 5);"
                                     "INSERT INTO decisions(ts_ms, tick, policy, budget_w, "
                                     "fail_safe, reason, memory_json) "
                                     "VALUES(1, 9, 'p', 100, 0, 'old', '{}');"));
    auto j = Journal::open(options_for(path));
    REQUIRE(j.has_value());
    CHECK(test::sql_text(path, "SELECT MAX(version) FROM schema_migrations") ==
          std::to_string(Journal::schema_version()));
    CHECK(test::sql_text(path, "SELECT applied_at_ms FROM schema_migrations WHERE version=1") ==
          "5");
    CHECK(test::sql_text(path, "SELECT applied_at_ms > 5 FROM schema_migrations WHERE version=2") ==
          "1");
    auto rows = (*j)->recent_decisions(5);
    REQUIRE(rows.size() == 1);
    CHECK(rows[0].reason == "old");
    CHECK_FALSE(rows[0].hold);
    CHECK_FALSE(rows[0].shed);
}

TEST_CASE("journal schema: migration 6 keeps a version-5 file's readings and miner states",
          "[journal]") {
    REQUIRE(Journal::schema_version() >= 6);
    const std::string path = test::temp_dir() + "/journal.db";
    std::string v5 =
        "CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT "
        "NULL);";
    for (int v = 1; v <= 5; ++v)
        v5 += std::string(migrations()[v - 1]) + "INSERT INTO schema_migrations VALUES(" +
              std::to_string(v) + ", 5);";
    // An hour ago, within retention. Two rows of one series at the same millisecond (a clock
    // stepped back): the newer is kept.
    const std::int64_t t1 = unix_ms(WallClock::now()) - 3'600'000, t2 = t1 + 1000;
    const std::string a = std::to_string(t1), b = std::to_string(t2);
    v5 += "INSERT INTO readings VALUES(" + b + ", 'grid.power_w', 150, 'm'), (" + a +
          ", 'grid.power_w', -40, 'm'), (" + a + ", 'pv.ac_power_w', 900, 'inv'), (" + b +
          ", 'grid.power_w', 160, 'm');"
          "INSERT INTO miner_states(ts_ms, miner_id, online, state, power_w) VALUES (" +
          a + ", 'm1', 1, 'mining', 1200), (" + a + ", 'm2', 0, 'offline', NULL);";
    REQUIRE(test::sql_exec(path, v5));
    auto j = Journal::open(options_for(path));
    REQUIRE(j.has_value());
    CHECK(test::sql_text(path, "SELECT MAX(version) FROM schema_migrations") ==
          std::to_string(Journal::schema_version()));
    CHECK(test::sql_text(path, "SELECT COUNT(*) FROM readings") == "3");
    CHECK(test::sql_text(path, "SELECT value FROM readings WHERE ts_ms = " + b) == "160.0");
    CHECK(test::sql_text(path, "SELECT group_concat(signal) FROM readings WHERE ts_ms = " + a) ==
          "grid.power_w,pv.ac_power_w");
    CHECK(test::sql_text(path, "SELECT COUNT(*) FROM miner_states") == "2");
    CHECK(test::sql_text(path, "SELECT power_w FROM miner_states WHERE miner_id = 'm1'") ==
          "1200.0");
    // And it records: a duplicate key replaces, never fails the batch.
    const TimePoint at = from_unix_ms(t2);
    (*j)->record_readings(at, {{"grid.power_w", 170, "m"}, {"pv.ac_power_w", 950, "inv"}});
    (*j)->flush();
    CHECK((*j)->stats().rows_failed == 0);
    CHECK(test::sql_text(path, "SELECT COUNT(*) FROM readings") == "4");
    CHECK(test::sql_text(path, "SELECT value FROM readings WHERE ts_ms = " + b +
                                   " AND signal = 'grid.power_w'") == "170.0");
}

TEST_CASE("journal schema: migration 7 stores a version-6 file's names once and keeps its rows",
          "[journal]") {
    REQUIRE(Journal::schema_version() >= 7);
    const std::string path = test::temp_dir() + "/journal.db";
    std::string v6 =
        "CREATE TABLE schema_migrations(version INTEGER PRIMARY KEY, applied_at_ms INTEGER NOT "
        "NULL);";
    for (int v = 1; v <= 6; ++v)
        v6 += std::string(migrations()[v - 1]) + "INSERT INTO schema_migrations VALUES(" +
              std::to_string(v) + ", 5);";
    const std::int64_t minute = (unix_ms(WallClock::now()) - 3'600'000) / 60'000 * 60'000;
    const std::string a = std::to_string(minute), b = std::to_string(minute + 1000);
    v6 += "INSERT INTO readings VALUES(" + a + ", 'grid.power_w', -40, 'm'), (" + a +
          ", 'pv.ac_power_w', 900, 'inv'), (" + b + ", 'grid.power_w', 160, 'm');" +
          "INSERT INTO readings_1m VALUES(" + a +
          ", 'grid.power_w', 2, 120, -40, 160, 160, 40), (" + a +
          ", 'pv.ac_power_w', 1, 900, 900, 900, 900, 0);" + "INSERT INTO readings_1h VALUES(" +
          std::to_string(minute / 3'600'000 * 3'600'000) +
          ", 'grid.power_w', 2, 120, -40, 160, 160, 40);";
    REQUIRE(test::sql_exec(path, v6));
    auto j = Journal::open(options_for(path));
    REQUIRE(j.has_value());
    CHECK(test::sql_text(path,
                         "SELECT group_concat(name) FROM (SELECT name FROM names ORDER BY "
                         "name)") == "grid.power_w,inv,m,pv.ac_power_w");
    // The rows, read through the views under the old names.
    CHECK(test::sql_text(path,
                         "SELECT group_concat(ts_ms || ' ' || signal || ' ' || value || ' ' "
                         "|| source, '; ') FROM (SELECT * FROM readings ORDER BY ts_ms, "
                         "signal)") == a + " grid.power_w -40.0 m; " + a +
                                           " pv.ac_power_w 900.0 inv; " + b +
                                           " grid.power_w 160.0 m");
    CHECK(test::sql_text(path,
                         "SELECT n || ' ' || sum_value || ' ' || min_value || ' ' || "
                         "max_value FROM readings_1m WHERE signal = 'grid.power_w'") ==
          "2 120.0 -40.0 160.0");
    CHECK(test::sql_text(path,
                         "SELECT COUNT(*) FROM reading_samples WHERE typeof(signal) = "
                         "'integer' AND typeof(source) = 'integer'") == "3");
    CHECK(*(*j)->count("readings_1h") == 1);
    // New rows: a known name keeps its number, a new one gets the next.
    (*j)->record_readings(from_unix_ms(minute + 2000),
                          {{"grid.power_w", 200, "m"}, {"battery.power_w", 5, "m"}});
    (*j)->flush();
    CHECK((*j)->stats().rows_failed == 0);
    CHECK(test::sql_text(path, "SELECT COUNT(*) FROM names") == "5");
    CHECK(test::sql_text(path,
                         "SELECT n || ' ' || max_value FROM readings_1m WHERE signal = "
                         "'grid.power_w'") == "3 200.0");
    auto history = (*j)->signal_history("battery.power_w", {minute, minute + 60'000, 60'000});
    REQUIRE(history.has_value());
    REQUIRE(history->size() == 1);
    CHECK((*history)[0].mean == Approx(5.0));
}
