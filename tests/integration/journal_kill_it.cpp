// A writer killed with SIGKILL leaves an intact database holding everything it reported as
// committed, and no more than about a second less than it recorded. A full disk leaves the
// writer running and reporting.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "daemon/journal/journal.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/journal/sql.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

namespace {

struct Committed {
    long long rows = 0;
    long long ts_ms = 0;
    int lines = 0;
};

Committed last_committed(const std::string& log) {
    Committed c;
    std::istringstream in(test::read_file(log));
    std::string word;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        Committed next;
        if (fields >> word >> next.rows >> next.ts_ms && word == "committed") {
            next.lines = c.lines + 1;
            c = next;
        }
    }
    return c;
}

// A number of the writer child's final line ("final writing=0 written=N ...").
long long final_field(const std::string& out, const std::string& name) {
    const auto at = out.find(" " + name + "=");
    REQUIRE(at != std::string::npos);
    return std::stoll(out.substr(at + name.size() + 2));
}

// Every row the child produced is written, waiting, lost or dropped (the journal's own events
// are written too, so the sum may be larger).
bool accounted_for(const std::string& out) {
    auto f = [&](const char* name) { return final_field(out, name); };
    return f("written") + f("waiting") + f("failed") + f("dropped") >= f("produced");
}

}  // namespace

TEST_CASE("journal kill -9 loses at most the last second and never corrupts", "[journal]") {
    for (int round = 0; round < 3; ++round) {
        INFO("round " << round);
        const std::string dir = test::temp_dir();
        const std::string db = dir + "/journal.db";
        const std::string log = dir + "/child.log";
        test::Child child({JOURNAL_WRITER_CHILD, db, "--seconds", "30"}, log);

        // Wait for the first commit (bounded), then let it run for about two seconds.
        auto started = std::chrono::steady_clock::now();
        while (last_committed(log).lines == 0 && std::chrono::steady_clock::now() - started < 10s) {
            std::this_thread::sleep_for(20ms);
        }
        REQUIRE(last_committed(log).lines > 0);
        std::this_thread::sleep_until(started + 2s + round * 150ms);
        REQUIRE(child.running());
        const long long killed_ms = unix_ms(WallClock::now());
        child.kill(SIGKILL);
        CHECK(child.wait() == 128 + SIGKILL);

        Committed reported = last_committed(log);
        INFO("reported " << reported.lines << " commits, last " << reported.rows << " rows at "
                         << reported.ts_ms << ", killed at " << killed_ms);
        CHECK(test::sql_text(db, "PRAGMA integrity_check") == "ok");
        const long long rows = std::stoll(test::sql_text(db, "SELECT COUNT(*) FROM readings"));
        const long long newest = std::stoll(test::sql_text(db, "SELECT MAX(ts_ms) FROM readings"));
        CHECK(rows >= reported.rows);           // nothing reported committed was lost
        CHECK(newest >= reported.ts_ms);
        CHECK(newest >= killed_ms - 1000);      // at most about a second lost
        CHECK(newest <= killed_ms);
        CHECK(rows % 50 == 0);                  // batches commit whole

        // The file reopens and accepts writes.
        journal::JournalOptions o;
        o.path = db;
        auto j = journal::Journal::open(o);
        REQUIRE(j.has_value());
        (*j)->record_event(WallClock::now(), journal::Severity::notice, "journal.recovered", "",
                           "reopened after kill");
        (*j)->flush();
        CHECK((*j)->stats().rows_written == 1);
    }
}

TEST_CASE(
    "journal on a full disk keeps at most queue_capacity rows waiting and counts the rest "
    "lost",
    "[journal]") {
    const std::string db = test::temp_dir() + "/journal.db";
    auto result = test::run({JOURNAL_WRITER_CHILD, db, "--seconds", "3", "--fsize-limit", "150000",
                             "--queue-capacity", "4000"},
                            30);
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    auto field = [&](const std::string& name) { return final_field(result.out, name); };
    CHECK(field("waiting") > 0);
    CHECK(field("waiting") <= 4000);
    CHECK(field("failed") > 0);
    CHECK(accounted_for(result.out));
    CHECK(test::sql_text(db, "PRAGMA integrity_check") == "ok");
}

TEST_CASE("journal on a full disk keeps running and reports that it cannot write", "[journal]") {
    const std::string dir = test::temp_dir();
    const std::string db = dir + "/journal.db";
    auto result =
        test::run({JOURNAL_WRITER_CHILD, db, "--seconds", "3", "--fsize-limit", "150000"}, 30);
    INFO(result.out << result.err);
    REQUIRE(result.exit_code == 0);
    // Rows past the limit could not be written: they wait in memory to be tried again (none
    // lost below queue_capacity), and every row produced is accounted for.
    // The last write may still have fit (a small batch of events in WAL frames a failed commit
    // left free), so the final state may read writing again.
    auto field = [&](const std::string& name) { return final_field(result.out, name); };
    CHECK(field("waiting") > 0);
    CHECK(field("failed") == 0);
    CHECK(accounted_for(result.out));
    CHECK_THAT(result.err, Catch::Contains("File too large"));
    CHECK_THAT(result.err, Catch::Contains("journal " + db));

    // The data that fit is intact, and with space again the journal writes.
    CHECK(test::sql_text(db, "PRAGMA integrity_check") == "ok");
    journal::JournalOptions o;
    o.path = db;
    auto j = journal::Journal::open(o);
    REQUIRE(j.has_value());
    (*j)->record_readings(WallClock::now(), {{"grid.power_w", 1, "test"}});
    (*j)->flush();
    CHECK((*j)->stats().writing);
    CHECK((*j)->stats().rows_written == 1);
}
