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
                         "name IN ('readings_ts','miner_states_ts','targets_tick_miner',"
                         "'events_ts','decisions_ts')") == "5");
    // Nothing is indexed by series first: a commit's rows land in the last pages of each index,
    // not in one leaf per signal or miner (migration 5).
    CHECK(test::sql_text(path,
                         "SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND "
                         "(sql LIKE '%(signal%' OR sql LIKE '%(miner_id%')") == "0");
    CHECK(test::sql_text(path,
                         "SELECT COUNT(*) FROM sqlite_master WHERE name LIKE '%\\_1_' "
                         "ESCAPE '\\' AND sql LIKE '%PRIMARY KEY(ts_ms, %WITHOUT ROWID'") == "4");
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
