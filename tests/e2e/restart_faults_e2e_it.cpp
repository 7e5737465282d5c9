// kill -9 of the real daemon binary at random moments while it runs under load (three miners
// driven, the inverter polled, /api/status polled, the journal committing), then a restart on
// the same journal, many times over.
//
// "Committed" here: a transaction of the journal's writer that a separate reader connection
// sees. The journal runs in WAL mode with synchronous=NORMAL (daemon/journal/journal.cpp): a
// commit has been written to the -wal file by the time it returns, so it survives the death of
// the process (the kernel holds the data); it is fsynced only at checkpoints, so a power cut or
// a kernel crash may lose the last commits. This test kills the process only, and so shows the
// first and not the second.
//
// The seed is printed; HASHSINK_RESTART_SEED replays one, HASHSINK_RESTART_KILLS sets the count
// (100 by default).
#include <httplib.h>
#include <signal.h>
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>

#include "tests/support/fault_site.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/process.hpp"
#include "tests/support/web_client.hpp"
#include "tests/unit/journal/sql.hpp"

using hashsink::test::DaemonChild;
using hashsink::test::FaultSite;
using nlohmann::json;
using Steady = std::chrono::steady_clock;
using namespace hashsink::test;
using namespace std::chrono_literals;

namespace {

// The newest decision row a separate reader sees committed, and how many rows there are; read
// in one statement, so from one snapshot.
struct CommittedDecision {
    std::int64_t rowid = 0, ts_ms = 0, tick = 0, count = 0;
};

CommittedDecision newest_committed_decision(const std::string& db) {
    sqlite3* h = nullptr;
    REQUIRE(sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    sqlite3_stmt* st = nullptr;
    const char* sql =
        "SELECT rowid, ts_ms, tick, (SELECT count(*) FROM decisions) FROM decisions "
        "ORDER BY rowid DESC LIMIT 1";
    REQUIRE(sqlite3_prepare_v2(h, sql, -1, &st, nullptr) == SQLITE_OK);
    CommittedDecision c;
    if (sqlite3_step(st) == SQLITE_ROW) {
        c.rowid = sqlite3_column_int64(st, 0);
        c.ts_ms = sqlite3_column_int64(st, 1);
        c.tick = sqlite3_column_int64(st, 2);
        c.count = sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    sqlite3_close(h);
    return c;
}

// The same row, unchanged, and every row before it.
void check_still_there(const std::string& db, const CommittedDecision& c) {
    INFO("decision rowid " << c.rowid << " ts_ms " << c.ts_ms << " tick " << c.tick << ", "
                           << c.count << " rows");
    CHECK(count_rows(db, "SELECT count(*) FROM decisions WHERE rowid = " + std::to_string(c.rowid) +
                             " AND ts_ms = " + std::to_string(c.ts_ms) +
                             " AND tick = " + std::to_string(c.tick)) == 1);
    CHECK(count_rows(db, "SELECT count(*) FROM decisions WHERE rowid <= " +
                             std::to_string(c.rowid)) == c.count);
}

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::stoull(v) : fallback;
}

// Pauses a Bitaxe through its own API, as if someone had while the daemon was down.
void pause_miner(const hashsink::miners::axeos::AxeosEmulator& m) {
    httplib::Client c(m.url());
    c.set_read_timeout(5, 0);
    auto r = c.Post("/api/system/pause");
    REQUIRE(r);
    REQUIRE(r->status == 200);
}

}  // namespace

TEST_CASE(
    "restart faults: kill -9 at random moments under load keeps every committed tick and an "
    "intact journal, and the restarted daemon takes its miners back",
    "[e2e][faults][restart]") {
    const auto kills = env_or("HASHSINK_RESTART_KILLS", 100);
    const auto seed = env_or("HASHSINK_RESTART_SEED", std::random_device{}());
    std::cout << "restart faults: " << kills << " kills, seed " << seed
              << " (HASHSINK_RESTART_SEED=" << seed << " replays it)" << std::endl;
    INFO("seed " << seed);
    REQUIRE(kills >= 1);
    std::mt19937_64 random(seed);
    // The journal commits every 500 ms: a window of up to 1.1 s puts kills before the first
    // commit of a run, between commits and while one is being written.
    std::uniform_int_distribution<int> run_ms(100, 1100);

    FaultSite rig;
    DaemonChild d;
    INFO("daemon log: " << d.log);
    const std::string config = rig.config(d.web_port);
    const auto started = Steady::now();
    start_until_mining(rig, d, config);

    std::int64_t rowid_at_start = newest_committed_decision(d.db).rowid;
    std::uint64_t kills_after_a_commit = 0, status_reads = 0;
    for (std::uint64_t i = 0; i < kills; ++i) {
        INFO("kill " << i + 1 << " of " << kills);
        // Under load: the loop ticks, the miners and the inverter are polled, the page is read.
        const auto until = Steady::now() + std::chrono::milliseconds(run_ms(random));
        while (Steady::now() < until) {
            rig.feed();
            if (status_of(d.web_port)) ++status_reads;
            std::this_thread::sleep_for(20ms);
        }
        const CommittedDecision committed = newest_committed_decision(d.db);
        REQUIRE(d.child->running());
        d.child->kill(SIGKILL);
        REQUIRE(d.child->wait() == 128 + SIGKILL);
        if (committed.rowid > rowid_at_start) ++kills_after_a_commit;

        // The file as the killed process left it.
        REQUIRE(committed.count > 0);
        REQUIRE(sql_text(d.db, "PRAGMA integrity_check") == "ok");
        check_still_there(d.db, committed);

        // Every tenth time and the last: the miners paused meanwhile, as if by hand; the new
        // process must find them and drive them again.
        const bool full_check = (i + 1) % 10 == 0 || i + 1 == kills;
        if (full_check)
            for (auto& m : rig.miners) {
                pause_miner(*m);
                m->reset_request_counts();
            }

        d.start(config);
        auto st = wait_for(
            rig, d.web_port, [](const json& s) { return tick_of(s) >= 1; }, 15s);
        REQUIRE(tick_of(st) >= 1);
        check_still_there(d.db, committed);
        rowid_at_start = newest_committed_decision(d.db).rowid;

        if (full_check) {
            st = wait_for(rig, d.web_port, all_mining, 40s);
            INFO(st.dump(2));
            REQUIRE(all_mining(st));
            for (auto& m : rig.miners) {
                CHECK_FALSE(m->paused());
                CHECK(m->request_count("POST", "/api/system/resume") >= 1);
            }
        }
    }
    const auto took_s = std::chrono::duration<double>(Steady::now() - started).count();
    std::cout << "restart faults: " << kills << " kills in " << took_s << " s, "
              << kills_after_a_commit << " after the killed process had committed, " << status_reads
              << " status reads, seed " << seed << std::endl;
    // Many kills must hit a process that had committed, or the test shows little (about two
    // thirds do; a handful of kills is too few to ask it of).
    if (kills >= 20) CHECK(kills_after_a_commit * 3 >= kills);

    d.child->kill(SIGTERM);
    REQUIRE(d.wait_exit(30s) == 0);
    CHECK(sql_text(d.db, "PRAGMA integrity_check") == "ok");
}
