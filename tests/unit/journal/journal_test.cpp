// The journal's record calls, readers, queue limits and retention, on a temp file.
#include "daemon/journal/journal.hpp"

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "daemon/journal/journal_recorder.hpp"
#include "tests/support/process.hpp"
#include "tests/unit/journal/sql.hpp"

using namespace hashsink;
using namespace hashsink::journal;
using namespace std::chrono_literals;

namespace {

struct Fixture {
    std::string path = test::temp_dir() + "/journal.db";
    std::unique_ptr<Journal> journal;
    // Near the wall clock, so default retention keeps the rows.
    TimePoint t0 = from_unix_ms(unix_ms(WallClock::now()) / 1000 * 1000);

    explicit Fixture(JournalOptions o = {}) {
        o.path = path;
        auto j = Journal::open(o);
        REQUIRE(j.has_value());
        journal = std::move(*j);
    }
    std::string sql(const std::string& q) const { return test::sql_text(path, q); }
    std::int64_t count(const char* table) const {
        auto n = journal->count(table);
        REQUIRE(n.has_value());
        return *n;
    }
};

JournalOptions held_queue(std::size_t capacity) {
    // The writer only wakes on flush(): the queue fills deterministically.
    JournalOptions o;
    o.commit_interval = std::chrono::hours{1};
    o.batch_rows = 10'000'000;
    o.queue_capacity = capacity;
    return o;
}

// A policy's state as the journal sees it: opaque, with its JSON.
class JsonState final : public PolicyMemory::Held {
public:
    explicit JsonState(std::string text) : text_(std::move(text)) {}
    std::string json() const override { return text_; }
    std::size_t bytes() const override { return text_.size(); }
    bool equals(const Held& o) const override { return json() == o.json(); }

private:
    std::string text_;
};

PolicyMemory json_state(std::string text) {
    return PolicyMemory(std::make_shared<const JsonState>(std::move(text)));
}

}  // namespace

TEST_CASE("journal: readings land with their time, value and source", "[journal]") {
    Fixture f;
    f.journal->record_readings(f.t0, {{"grid.power_w", -1234.5, "meter"},
                                      {"pv.ac_power_w", 4321.25, "inverter"}});
    f.journal->record_readings(f.t0 + 1s, {{"grid.power_w", 10, "meter"}});
    f.journal->flush();
    CHECK(f.count("readings") == 3);
    const std::string t0 = std::to_string(unix_ms(f.t0));
    CHECK(f.sql("SELECT value FROM readings WHERE signal='grid.power_w' AND ts_ms=" + t0) ==
          "-1234.5");
    CHECK(f.sql("SELECT source FROM readings WHERE signal='pv.ac_power_w'") == "inverter");
    CHECK(f.sql("SELECT MAX(ts_ms) - MIN(ts_ms) FROM readings") == "1000");
    auto s = f.journal->stats();
    CHECK(s.rows_written == 3);
    CHECK(s.rows_dropped == 0);
    CHECK(s.commits >= 1);
    CHECK(s.queue_depth == 0);
    CHECK(s.last_commit.has_value());
    CHECK(s.writing);
}

TEST_CASE("journal: a miner state keeps its units and leaves unknowns NULL", "[journal]") {
    Fixture f;
    MinerState st;
    st.online = true;
    st.state = MinerRunState::mining;
    st.hashrate_ths = 1.2;
    st.power_w = 15.5;
    st.frequency_mhz = 525;
    st.core_voltage_mv = 1150;
    st.chip_temp_c = 58.5;
    st.fan_rpm = 4200;
    f.journal->record_miner_state(f.t0, "bitaxe-1", st);
    MinerState off;
    f.journal->record_miner_state(f.t0 + 5s, "bitaxe-2", off);
    f.journal->flush();
    CHECK(f.count("miner_states") == 2);
    CHECK(f.sql("SELECT online || ',' || state || ',' || hashrate_ths || ',' || power_w || ',' || "
                "frequency_mhz || ',' || core_voltage_mv || ',' || chip_temp_c || ',' || fan_rpm "
                "FROM miner_states WHERE miner_id='bitaxe-1'") ==
          "1,mining,1.2,15.5,525.0,1150.0,58.5,4200.0");
    CHECK(f.sql("SELECT vr_temp_c IS NULL FROM miner_states WHERE miner_id='bitaxe-1'") == "1");
    CHECK(f.sql("SELECT online || ',' || state || ',' || (power_w IS NULL) FROM miner_states "
                "WHERE miner_id='bitaxe-2'") == "0,offline,1");
    CHECK(f.sql("SELECT ts_ms FROM miner_states WHERE miner_id='bitaxe-2'") ==
          std::to_string(unix_ms(f.t0 + 5s)));
}

TEST_CASE("journal: decisions keep their memory as JSON and read back newest first",
          "[journal]") {
    Fixture f;
    Decision d;
    d.policy = "surplus";
    d.budget_w = 850.5;
    d.fail_safe = false;
    d.reason = "export 900 W, keeping 50 W margin";
    d.memory = json_state(R"({"v":1,"above_since":1700000000123,"level":2})");
    f.journal->record_decision(f.t0, 41, d);
    Decision safe;
    safe.policy = "surplus";
    safe.fail_safe = true;
    safe.reason = "grid.power_w stale";
    safe.hold = true;
    safe.shed = true;
    f.journal->record_decision(f.t0 + 1s, 42, safe);
    f.journal->flush();

    CHECK(f.count("decisions") == 2);
    auto rows = f.journal->recent_decisions(10);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].tick == 42);
    CHECK(rows[0].fail_safe);
    CHECK(rows[0].hold);
    CHECK(rows[0].shed);
    CHECK_FALSE(rows[1].hold);
    CHECK(rows[0].memory_json == "{}");
    CHECK(rows[1].tick == 41);
    CHECK(rows[1].ts_ms == unix_ms(f.t0));
    CHECK(rows[1].policy == "surplus");
    CHECK(rows[1].budget_w == Approx(850.5));
    CHECK_FALSE(rows[1].fail_safe);
    CHECK(rows[1].reason == d.reason);
    auto memory = nlohmann::json::parse(rows[1].memory_json);
    CHECK(memory["v"].get<int>() == 1);
    CHECK(memory["above_since"].get<std::int64_t>() == 1'700'000'000'123);
    CHECK(memory["level"].get<double>() == 2);
    CHECK(f.journal->recent_decisions(1).size() == 1);
}

TEST_CASE("journal: apply results fill the target of the same tick and miner", "[journal]") {
    Fixture f;
    MinerTarget run;
    run.run = true;
    run.power_w = 15;
    run.level = 2;
    run.frequency_mhz = 490;
    run.core_voltage_mv = 1100;
    MinerTarget pause;
    f.journal->record_target(f.t0, 7, "a", run, "budget 30 W");
    f.journal->record_target(f.t0, 7, "b", pause, "budget 30 W");
    f.journal->record_target(f.t0 + 1s, 8, "a", pause, "fail-safe");
    f.journal->record_apply_result(f.t0 + 200ms, 7, "a", Status::success());
    f.journal->record_apply_result(f.t0 + 300ms, 7, "b",
                                   Status::error(ErrorCode::timeout, "axeos b: PATCH: timed out"));
    f.journal->flush();

    CHECK(f.count("targets") == 3);
    CHECK(f.sql("SELECT run || ',' || power_w || ',' || level || ',' || frequency_mhz || ',' || "
                "core_voltage_mv || ',' || reason FROM targets WHERE tick=7 AND miner_id='a'") ==
          "1,15.0,2,490.0,1100.0,budget 30 W");
    CHECK(f.sql("SELECT result || ',' || result_code || ',' || result_ts_ms FROM targets "
                "WHERE tick=7 AND miner_id='a'") ==
          "ok,ok," + std::to_string(unix_ms(f.t0 + 200ms)));
    CHECK(f.sql("SELECT result || ',' || result_code || ',' || result_message FROM targets "
                "WHERE tick=7 AND miner_id='b'") == "error,timeout,axeos b: PATCH: timed out");
    CHECK(f.sql("SELECT (level IS NULL) || ',' || run FROM targets WHERE miner_id='b'") == "1,0");
    // The result of tick 7 did not touch tick 8, whose result has not arrived.
    CHECK(f.sql("SELECT result IS NULL FROM targets WHERE tick=8") == "1");

    // A result that arrives in a later batch still finds its row.
    f.journal->record_apply_result(f.t0 + 2s, 8, "a", Status::success());
    f.journal->flush();
    CHECK(f.sql("SELECT result FROM targets WHERE tick=8") == "ok");
}

TEST_CASE("journal: events keep severity and code, newest first", "[journal]") {
    Fixture f;
    f.journal->record_event(f.t0, Severity::warning, "miner.offline", "bitaxe-1",
                            "bitaxe-1 did not answer for 30 s");
    f.journal->record_event(f.t0 + 1s, Severity::info, "miner.online", "bitaxe-1", "back");
    f.journal->record_event(f.t0 + 2s, Severity::error, "source.stale", "meter", "no data");
    f.journal->flush();
    auto events = f.journal->recent_events(2);
    REQUIRE(events.size() == 2);
    CHECK(events[0].code == "source.stale");
    CHECK(events[0].severity == Severity::error);
    CHECK(events[1].code == "miner.online");
    CHECK(events[1].ts_ms == unix_ms(f.t0 + 1s));
    CHECK(f.sql("SELECT severity || ',' || subject || ',' || message FROM events "
                "WHERE code='miner.offline'") == "warning,bitaxe-1,bitaxe-1 did not answer for 30 s");
}

TEST_CASE("journal: a full queue drops and counts instead of blocking", "[journal]") {
    Fixture f(held_queue(100));
    auto started = std::chrono::steady_clock::now();
    for (int i = 0; i < 150; ++i) {
        f.journal->record_event(f.t0, Severity::info, "journal.test", "x", std::to_string(i));
    }
    auto s = f.journal->stats();
    CHECK(s.queue_depth == 100);
    CHECK(s.rows_dropped == 50);
    CHECK(s.queue_bytes > 0);
    // A readings batch is taken or dropped whole.
    f.journal->record_readings(f.t0, std::vector<ReadingRow>(3, {"grid.power_w", 1, "m"}));
    CHECK(f.journal->stats().rows_dropped == 53);
    CHECK(std::chrono::steady_clock::now() - started < 5s);

    f.journal->flush();
    s = f.journal->stats();
    CHECK(s.rows_written == 100);
    CHECK(s.queue_depth == 0);
    CHECK(f.count("events") == 100);
    CHECK(f.sql("SELECT MAX(CAST(message AS INTEGER)) FROM events") == "99");
}

TEST_CASE("journal: a recording storm completes and commits in batches", "[journal]") {
    Fixture f;
    constexpr int kTicks = 4000;
    constexpr int kRowsPerTick = 50;
    std::vector<ReadingRow> rows;
    for (int i = 0; i < kRowsPerTick; ++i) {
        rows.push_back({"pv.mppt." + std::to_string(i) + ".dc_power_w", i * 1.5, "inverter"});
    }
    for (int t = 0; t < kTicks; ++t) f.journal->record_readings(f.t0 + t * 1ms, rows);
    f.journal->flush();
    auto s = f.journal->stats();
    CHECK(s.rows_dropped == 0);
    CHECK(s.rows_failed == 0);
    CHECK(s.rows_written == kTicks * kRowsPerTick);
    CHECK(s.commits >= 2);
    CHECK(f.count("readings") == kTicks * kRowsPerTick);
    CHECK(f.sql("SELECT COUNT(DISTINCT ts_ms) FROM readings") == std::to_string(kTicks));
}

TEST_CASE("journal: retention deletes rows older than the limit", "[journal]") {
    ManualClock clock(WallClock::now());
    JournalOptions o;
    o.retention = std::chrono::hours{1};
    o.retention_interval = Duration{0};
    o.clock = &clock;
    Fixture f(o);
    const TimePoint now = clock.now();
    f.journal->record_readings(now - 2h, {{"grid.power_w", 1, "m"}});
    f.journal->record_readings(now - 30min, {{"grid.power_w", 2, "m"}});
    f.journal->record_event(now - 3h, Severity::info, "journal.test", "", "old");
    f.journal->record_event(now, Severity::info, "journal.test", "", "new");
    MinerTarget t;
    f.journal->record_target(now - 2h, 1, "a", t, "old");
    MinerState st;
    st.online = true;
    st.power_w = 10;
    f.journal->record_miner_state(now - 2h, "a", st);
    f.journal->record_miner_state(now - 30min, "a", st);
    f.journal->flush();
    f.journal->flush();
    CHECK(f.count("readings") == 1);
    CHECK(f.sql("SELECT value FROM readings") == "2.0");
    CHECK(f.count("events") == 1);
    CHECK(f.count("targets") == 0);
    // The rollups (keyed by time and series, without rowids) go by their bucket's start.
    CHECK(f.count("readings_1m") == 1);
    CHECK(f.count("miner_states_1m") == 1);
    CHECK(f.count("readings_1h") <= 1);
    CHECK(f.count("miner_states_1h") <= 1);

    // Time moves on: the next pass removes what has aged out since.
    clock.advance(std::chrono::hours{1} + 1s);
    f.journal->flush();
    f.journal->flush();
    CHECK(f.count("readings") == 0);
    CHECK(f.count("events") == 0);
    for (const char* rollup : {"readings_1m", "readings_1h", "miner_states_1m", "miner_states_1h"})
        CHECK(f.count(rollup) == 0);
}

TEST_CASE("journal: count refuses tables that are not the journal's", "[journal]") {
    Fixture f;
    auto n = f.journal->count("sqlite_master; DROP TABLE readings");
    REQUIRE_FALSE(n.has_value());
    CHECK(n.error().code == ErrorCode::invalid);
    CHECK(f.count("readings") == 0);
}

TEST_CASE("journal: the destructor commits what is still queued", "[journal]") {
    std::string path;
    {
        Fixture f(held_queue(1000));
        path = f.path;
        f.journal->record_event(f.t0, Severity::notice, "journal.test", "", "last words");
    }
    CHECK(test::sql_text(path, "SELECT message FROM events") == "last words");
}

TEST_CASE("journal: hostile text is stored as given", "[journal]") {
    Fixture f;
    std::string odd = std::string("quote ' and \0 nul", 17) + "\xff\xfe";
    Decision d;
    d.policy = "p";
    d.memory = json_state("{\"bad\xff key\":1}");
    f.journal->record_event(f.t0, Severity::info, "journal.test", odd, "'); DROP TABLE events;--");
    f.journal->record_decision(f.t0, 1, d);
    f.journal->flush();
    CHECK(f.count("events") == 1);
    CHECK(f.count("decisions") == 1);
    CHECK(f.sql("SELECT length(CAST(subject AS BLOB)) FROM events") == "19");
    CHECK(f.journal->stats().rows_failed == 0);
}

TEST_CASE("journal: severities round-trip as text", "[journal]") {
    for (auto s : {Severity::info, Severity::notice, Severity::warning, Severity::error}) {
        CHECK(parse_severity(to_string(s)) == s);
    }
    CHECK_FALSE(parse_severity("fatal").has_value());
}

TEST_CASE("journal: the loop's recorder writes through to the journal", "[journal]") {
    Fixture f;
    JournalRecorder recorder(*f.journal);
    loop::Recorder& r = recorder;
    r.readings(f.t0, {{"grid.power_w", 12.5, "meter"}});
    r.event(f.t0, loop::Severity::warning, "miner.offline", "a", "gone");
    MinerTarget t;
    t.run = true;
    t.power_w = 20;
    r.target(f.t0, 3, "a", t, "r");
    r.apply_result(f.t0 + 1s, 3, "a", Status::success());
    Decision d;
    d.policy = "p";
    d.budget_w = 20;
    r.decision(f.t0, 3, d);
    r.miner_state(f.t0, "a", MinerState{});
    f.journal->flush();
    CHECK(f.sql("SELECT value FROM readings") == "12.5");
    CHECK(f.sql("SELECT severity FROM events") == "warning");
    CHECK(f.sql("SELECT result FROM targets WHERE tick=3") == "ok");
    CHECK(f.count("decisions") == 1);
    CHECK(f.count("miner_states") == 1);
}

TEST_CASE("journal: an unusable file is moved aside and recording starts afresh", "[journal]") {
    const std::string dir = test::temp_dir();
    const std::string path = dir + "/journal.db";
    // Overwritten by something else: SQLite cannot read it as a database.
    const std::string garbage(8192, 'x');
    test::write_file(path, garbage);
    test::write_file(path + "-wal", "not a wal either");
    JournalOptions o;
    o.path = path;
    auto j = Journal::open(o);
    REQUIRE(j.has_value());
    const auto note = (*j)->set_aside_note();
    REQUIRE(note);
    INFO(*note);
    CHECK(note->find("moved aside to " + path + ".unusable-") != std::string::npos);
    // The old file is kept as it was, beside the new journal, which records.
    std::string aside;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        const std::string name = e.path().string();  // the file itself, not its -wal or -shm
        if (name.find(".unusable-") != std::string::npos && std::isdigit(name.back())) aside = name;
    }
    REQUIRE_FALSE(aside.empty());
    CHECK(test::read_file(aside) == garbage);
    CHECK(std::filesystem::exists(aside + "-wal"));
    (*j)->record_event(WallClock::now(), Severity::warning, "journal.set_aside", "journal", *note);
    (*j)->flush();
    REQUIRE((*j)->recent_events(1).size() == 1);
    CHECK((*j)->recent_events(1)[0].code == "journal.set_aside");
}

TEST_CASE("journal: a healthy file or another program's database is left where it is",
          "[journal]") {
    const std::string dir = test::temp_dir();
    {
        Fixture f;
        CHECK_FALSE(f.journal->set_aside_note());
    }
    // A valid SQLite file that is not a journal: a configuration mistake, refused, not moved.
    const std::string other = dir + "/other.db";
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(other.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE notes(x); INSERT INTO notes VALUES (1)", nullptr,
                         nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    JournalOptions o;
    o.path = other;
    auto j = Journal::open(o);
    REQUIRE_FALSE(j.has_value());
    INFO(j.error().message);
    CHECK(std::filesystem::exists(other));
    CHECK(test::sql_text(other, "SELECT x FROM notes") == "1");
}

TEST_CASE("journal: a folder that does not take files is named in the error", "[journal]") {
    JournalOptions o;
    o.path = "/proc/hashsink-journal-test/journal.db";  // no such folder, and none can be made
    auto j = Journal::open(o);
    REQUIRE_FALSE(j.has_value());
    CHECK(j.error().message.find("the folder /proc/hashsink-journal-test does not exist") !=
          std::string::npos);
    o.path = "/proc/journal.db";  // a folder no file can be created in, even by root
    j = Journal::open(o);
    REQUIRE_FALSE(j.has_value());
    CHECK(j.error().message.find("journal /proc/journal.db: open database") != std::string::npos);
}
