// Journal faults through the daemon binary: the disk fills while it journals (its file size limit
// lowered under it with prlimit(2), so writes past it fail with EFBIG as on a full disk), and a
// state folder that takes no files. No root and no small filesystem needed: a process may lower
// and raise its own soft limit below the hard one. Every check is an outcome seen through
// /api/status, /metrics, the log, the emulators or the journal file; every wait is bounded.
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "daemon/core/time.hpp"
#include "tests/support/fault_site.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/process.hpp"
#include "tests/support/web_client.hpp"
#include "tests/unit/journal/sql.hpp"

using namespace hashsink;
using namespace hashsink::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

// Room the daemon's log keeps under the lowered limit: it is a file the daemon appends to.
constexpr std::uintmax_t kLogRoom = 16 * 1024;

bool journal_writing(const json& s) {
    return s.contains("journal") && s["journal"]["writing"] == true;
}
bool journal_failing(const json& s) {
    return s.contains("journal") && s["journal"]["writing"] == false;
}

// Sets the soft file size limit of process `pid`, keeping its hard limit; the old soft limit.
rlim_t set_file_size_limit(int pid, rlim_t soft) {
    rlimit old{};
    REQUIRE(::prlimit(pid, RLIMIT_FSIZE, nullptr, &old) == 0);
    REQUIRE((old.rlim_max == RLIM_INFINITY || old.rlim_max > soft));
    rlimit lowered{soft, old.rlim_max};
    REQUIRE(::prlimit(pid, RLIMIT_FSIZE, &lowered, nullptr) == 0);
    return old.rlim_cur;
}

std::int64_t events(const DaemonChild& d, const std::string& code) {
    return count_rows(d.db, "SELECT count(*) FROM events WHERE code = '" + code + "'");
}

// Waits (bounded) until `sql` counts at least `n`; the last count.
std::int64_t wait_rows(const DaemonChild& d, const std::string& sql, std::int64_t n) {
    const auto until = Steady::now() + 20s;
    std::int64_t got = count_rows(d.db, sql);
    while (got < n && Steady::now() < until) {
        std::this_thread::sleep_for(200ms);
        got = count_rows(d.db, sql);
    }
    return got;
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "journal faults: the disk fills while journalling: control goes on, the rows wait in "
    "memory and are shown, and writing resumes in the same process with them once there is room",
    "[e2e][faults][journal]") {
    FaultSite site;
    DaemonChild d;
    INFO("daemon log: " << d.log);
    start_until_mining(site, d, site.config(d.web_port));
    auto st = wait_for(
        site, d.web_port,
        [](const json& s) { return journal_writing(s) && s["journal"]["rows_written"] > 0; }, 20s);
    REQUIRE(journal_writing(st));
    const std::int64_t decisions_before = count_rows(d.db, "SELECT count(*) FROM decisions");
    const std::int64_t last_rowid_before = count_rows(d.db, "SELECT max(rowid) FROM decisions");
    REQUIRE(decisions_before > 0);

    // The disk fills: no file of the daemon may grow past its log's size plus kLogRoom. The
    // journal's WAL is past that already (or soon, were it just checkpointed).
    const std::uintmax_t limit = std::filesystem::file_size(d.log) + kLogRoom;
    // The database file (its schema alone is larger) cannot take a checkpoint either, so the WAL
    // is never reset to write below the limit again.
    REQUIRE(std::filesystem::file_size(d.db) > limit);
    const rlim_t old_limit = set_file_size_limit(d.child->pid(), limit);
    const auto fault_at = Steady::now();
    const std::int64_t fault_ms = unix_ms(WallClock::now());
    std::uint64_t tick_at_fault = tick_of(st);
    bool mining_throughout = true;
    auto each = [&](const json& s) { mining_throughout = mining_throughout && all_mining(s); };
    st = wait_for(site, d.web_port, journal_failing, 20s, each);
    INFO(st.dump(2));
    REQUIRE(journal_failing(st));
    // On the page: why, and the rows lost since.
    CHECK(has(st["journal"]["last_error"].get<std::string>(), "journal " + d.db + ": "));
    CHECK(has(st["journal"]["last_error"].get<std::string>(), "File too large"));
    const std::uint64_t waiting_at_first = st["journal"]["queue_depth"];
    CHECK(mining_throughout);

    // While it cannot write, the loop keeps its period and keeps control: the sun goes, the
    // miners are paused; it returns, they mine again. The journal keeps its rows waiting.
    site.pv_w = 0;
    auto all_paused = [](const json& s) {
        for (const char* id : {"m1", "m2", "m3"})
            if (!miner_in(s, id) || (*miner_in(s, id))["target"]["run"] != false ||
                is_mining(s, id))
                return false;
        return true;
    };
    st = wait_for(site, d.web_port, all_paused, 30s);
    CHECK(all_paused(st));
    CHECK(journal_failing(st));
    site.pv_w = 900;
    st = wait_for(site, d.web_port, all_mining, 40s);
    REQUIRE(all_mining(st));
    // Then at least 8 s without a journal, every miner mining throughout.
    mining_throughout = true;
    st = wait_for(
        site, d.web_port, [&](const json&) { return Steady::now() - fault_at >= 8s; }, 20s, each);
    CHECK(mining_throughout);
    REQUIRE(journal_failing(st));
    const double fault_s = std::chrono::duration<double>(Steady::now() - fault_at).count();
    const std::uint64_t ticks = tick_of(st) - tick_at_fault;
    INFO(ticks << " ticks in " << fault_s << " s without a journal");
    CHECK(ticks >= static_cast<std::uint64_t>(fault_s / 0.3 * 0.6));
    CHECK(ticks <= static_cast<std::uint64_t>(fault_s / 0.3 * 1.2) + 2);
    CHECK(st["journal"]["queue_depth"].get<std::uint64_t>() > waiting_at_first);
    Browser scraper(d.web_port, 5s);
    auto metrics = scraper.get("/metrics");
    REQUIRE(metrics);
    REQUIRE(metrics->status == 200);
    CHECK(has(metrics->body, "\nhashsink_journal_writing 0\n"));
    CHECK(has(metrics->body, "\nhashsink_journal_rows_failed_total "));
    // In the log, once; the journal's own event waits in memory (the file cannot take it).
    const std::string log_in_fault = read_file(d.log);
    CHECK(has(log_in_fault, "error journal: journal " + d.db + ": "));
    CHECK(events(d, "journal.write_failed") == 0);

    // Room again: the same process writes on.
    const std::int64_t room_ms = unix_ms(WallClock::now());
    set_file_size_limit(d.child->pid(), old_limit);
    st = wait_for(site, d.web_port, journal_writing, 20s);
    REQUIRE(journal_writing(st));
    REQUIRE(d.child->running());
    CHECK(all_mining(st));
    const std::uint64_t written_then = st["journal"]["rows_written"];
    st = wait_for(
        site, d.web_port,
        [&](const json& s) {
            return s["journal"]["rows_written"].get<std::uint64_t>() > written_then;
        },
        20s);
    CHECK(st["journal"]["rows_written"].get<std::uint64_t>() > written_then);
    CHECK(st["journal"]["rows_failed"].get<std::uint64_t>() == 0);  // nothing was lost
    CHECK(has(read_file(d.log), "journal " + d.db + ": writing again after "));
    // The failure's event, kept in memory, and the recovery's, now in the file.
    CHECK(wait_rows(d, "SELECT count(*) FROM events WHERE code = 'journal.write_failed'", 1) == 1);
    CHECK(wait_rows(d, "SELECT count(*) FROM events WHERE code = 'journal.writing_again'", 1) == 1);
    CHECK(has(sql_text(d.db, "SELECT message FROM events WHERE code = 'journal.writing_again'"),
              "; 0 rows lost while it could not write"));
    // What was decided while the disk was full waited and is in the file: the sun went and
    // came back meanwhile, so the budget moved and decisions were recorded.
    CHECK(wait_rows(d,
                    "SELECT count(*) FROM decisions WHERE ts_ms > " + std::to_string(fault_ms) +
                        " AND ts_ms < " + std::to_string(room_ms),
                    2) >= 2);
    // Decisions before the fault are all there, and new ones are written after it.
    CHECK(count_rows(d.db, "SELECT count(*) FROM decisions WHERE rowid <= " +
                               std::to_string(last_rowid_before)) == decisions_before);
    CHECK(wait_rows(d, "SELECT count(*) FROM decisions", decisions_before + 5) >=
          decisions_before + 5);

    d.child->kill(SIGTERM);
    CHECK(d.wait_exit(20s) == 0);
    CHECK(sql_text(d.db, "PRAGMA integrity_check") == "ok");
}

TEST_CASE(
    "journal faults: run with its journal in a folder that takes no files exits non-zero and "
    "names the folder",
    "[e2e][faults][journal]") {
    FaultSite site;
    DaemonChild d;
    write_file(d.config_path, site.config(d.web_port));
    // /proc takes no new file even from root; a missing folder cannot hold one either.
    for (const auto& [db, folder] :
         {std::pair<std::string, std::string>{"/proc/journal.db", "/proc"},
          {d.dir + "/missing/journal.db", d.dir + "/missing"}}) {
        INFO("journal " << db);
        auto r = run({HASHSINK_BINARY, "run", "--config", d.config_path, "--db", db}, 30);
        INFO(r.err);
        CHECK(r.exit_code != 0);
        CHECK(r.exit_code != -1);
        CHECK(has(r.err, "journal " + db + ": open database: the folder " + folder + " "));
    }
}
