// The wall clock steps under the running daemon binary, as an NTP step or `date -s` does:
// Debian's libfaketime, preloaded into the daemon, moves only the wall clock
// (FAKETIME_DONT_FAKE_MONOTONIC=1) by an offset it reads afresh on every call
// (FAKETIME_NO_CACHE=1) from a file the test rewrites (FAKETIME_TIMESTAMP_FILE). The emulators
// and the test itself run on the real clock. Every check is an outcome seen through /api/status,
// the emulators or the journal; every wait is bounded.
#include <glob.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fault_site.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/process.hpp"
#include "tests/support/web_client.hpp"

using namespace hashsink;
using namespace hashsink::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

// The multi-threaded libfaketime of the `faketime` package, whatever the architecture's folder.
std::string libfaketime() {
    glob_t g{};
    std::string found;
    if (::glob("/usr/lib/*/faketime/libfaketimeMT.so.1", 0, nullptr, &g) == 0 && g.gl_pathc > 0)
        found = g.gl_pathv[0];
    ::globfree(&g);
    return found;
}

// The daemon of a FaultSite with its wall clock under the test's control.
struct SteppedDaemon {
    FaultSite site;
    DaemonChild d;
    std::string offset_file = d.dir + "/faketime.rc";

    SteppedDaemon() {
        const std::string lib = libfaketime();
        INFO("libfaketime comes with Debian's faketime package (make deps)");
        REQUIRE_FALSE(lib.empty());
        set_wall_offset_s(0);
        // Under ASan the preloaded libfaketime comes before the sanitizer's runtime, which ASan
        // refuses at start unless told the order is fine.
        const char* asan = std::getenv("ASAN_OPTIONS");
        d.env = {"LD_PRELOAD=" + lib, "FAKETIME_TIMESTAMP_FILE=" + offset_file,
                 "FAKETIME_NO_CACHE=1", "FAKETIME_DONT_FAKE_MONOTONIC=1",
                 std::string("ASAN_OPTIONS=") + (asan ? std::string(asan) + ":" : "") +
                     "verify_asan_link_order=0"};
    }
    // The daemon's wall clock from now on: the real one plus offset_s (rewritten atomically).
    void set_wall_offset_s(long offset_s) {
        char text[32];
        std::snprintf(text, sizeof text, "%+ld\n", offset_s);
        write_file(offset_file + ".new", text);
        REQUIRE(std::rename((offset_file + ".new").c_str(), offset_file.c_str()) == 0);
    }
    std::int64_t events(const std::string& code) const {
        return count_rows(d.db, "SELECT count(*) FROM events WHERE code = '" + code + "'");
    }
    std::int64_t target_rows() const { return count_rows(d.db, "SELECT count(*) FROM targets"); }
    // Commands the miners received: writes of settings, pauses and resumes.
    std::size_t miner_writes() const {
        std::size_t n = 0;
        for (const auto& m : site.miners)
            n += m->request_count("PATCH", "/api/system") +
                 m->request_count("POST", "/api/system/pause") +
                 m->request_count("POST", "/api/system/resume");
        return n;
    }
    void reset_counts() {
        for (auto& m : site.miners) m->reset_request_counts();
    }
};

// What a stretch of `length` showed: the ticks it advanced, the commands the miners got, the
// target rows journalled, and whether every miner kept its target throughout.
struct Stretch {
    std::uint64_t ticks = 0;
    std::size_t writes = 0;
    std::int64_t target_rows = 0;
    bool targets_kept = true;
    bool all_mining_throughout = true;
};

Stretch observe(SteppedDaemon& r, std::chrono::seconds length,
                const std::function<void()>& at_start = nullptr) {
    auto first = status_of(r.d.web_port);
    REQUIRE(first);
    const std::int64_t rows_before = r.target_rows();
    r.reset_counts();
    if (at_start) at_start();
    Stretch out;
    json targets;
    for (const auto& m : (*first)["miners"]) targets[m["id"].get<std::string>()] = m["target"];
    const auto end = Steady::now() + length;
    auto last = wait_for(
        r.site, r.d.web_port, [&](const json&) { return Steady::now() >= end; }, length + 10s,
        [&](const json& s) {
            out.all_mining_throughout = out.all_mining_throughout && all_mining(s);
            for (const auto& m : s["miners"])
                out.targets_kept =
                    out.targets_kept && targets[m["id"].get<std::string>()] == m["target"];
        });
    out.ticks = tick_of(last) - tick_of(*first);
    out.writes = r.miner_writes();
    out.target_rows = r.target_rows() - rows_before;
    return out;
}

}  // namespace

TEST_CASE(
    "clock: the wall clock steps +1 h, back, and back past the start: the loop keeps its "
    "period, no miner is commanded, the session holds, each step is journalled",
    "[e2e][clock]") {
    SteppedDaemon r;
    INFO("daemon log: " << r.d.log);
    start_until_mining(r.site, r.d, r.site.config(r.d.web_port));
    Browser admin(r.d.web_port, 5s);
    log_in_as_admin(admin, r.d);
    REQUIRE(admin.get("/api/config")->status == 200);

    // The same stretch without a step: what the site does on its own.
    const Stretch calm = observe(r, 6s);
    INFO("without a step: " << calm.ticks << " ticks, " << calm.writes << " commands, "
                            << calm.target_rows << " target rows");
    REQUIRE(calm.all_mining_throughout);

    const std::int64_t fail_safe_before = r.events("loop.fail_safe");
    std::int64_t jumps = r.events("clock.jump");
    REQUIRE(jumps == 0);
    for (long offset_s : {3600L, 0L, -3600L}) {
        INFO("wall clock moved to real time " << offset_s << " s");
        const Stretch s = observe(r, 6s, [&] { r.set_wall_offset_s(offset_s); });
        // 6 s at a 300 ms period is 20 ticks: neither stalled nor catching up in a burst.
        CHECK(s.ticks >= 12);
        CHECK(s.ticks <= 30);
        CHECK(s.ticks + 6 >= calm.ticks);
        CHECK(s.all_mining_throughout);
        CHECK(s.targets_kept);
        CHECK(s.writes <= calm.writes);
        CHECK(s.target_rows <= calm.target_rows);
        CHECK(r.events("clock.jump") == ++jumps);
        CHECK(admin.get("/api/config")->status == 200);  // the session still holds
    }
    CHECK(r.events("loop.fail_safe") == fail_safe_before);
    CHECK(read_file(r.d.log).find("wall clock stepped -3600.0 s") != std::string::npos);
}

TEST_CASE(
    "clock: a miner paused before the wall clock steps waits out its dwell, neither an hour "
    "longer nor cut short",
    "[e2e][clock]") {
    SteppedDaemon r;
    INFO("daemon log: " << r.d.log);
    std::string config = r.site.config(r.d.web_port);
    const std::string dwell_1s = "min_dwell = \"1s\"";
    config.replace(config.find(dwell_1s), dwell_1s.size(), "min_dwell = \"5s\"");
    start_until_mining(r.site, r.d, config);

    // The sun goes (every miner shed at once, dwell or not), the wall clock steps, the sun
    // returns: how long until m1 is told to run again, from when it was seen paused.
    auto pause_then_resume = [&](long offset_s) {
        r.site.pv_w = 0;
        auto st = wait_for(
            r.site, r.d.web_port,
            [](const json& s) {
                return miner_in(s, "m1") && (*miner_in(s, "m1"))["target"]["run"] == false;
            },
            20s);
        REQUIRE((*miner_in(st, "m1"))["target"]["run"] == false);
        const auto paused_at = Steady::now();
        r.set_wall_offset_s(offset_s);
        r.site.pv_w = 900;
        st = wait_for(r.site, r.d.web_port, all_mining, 40s);
        REQUIRE(all_mining(st));
        return std::chrono::duration<double>(Steady::now() - paused_at).count();
    };
    const double calm_s = pause_then_resume(0);
    const double after_forward_s = pause_then_resume(3600);
    const double after_back_s = pause_then_resume(0);
    INFO("paused to running again: " << calm_s << " s without a step, " << after_forward_s
                                     << " s across +1 h, " << after_back_s << " s across -1 h");
    CHECK(calm_s >= 4.0);  // the 5 s dwell, less a status poll
    CHECK(after_forward_s >= 4.0);
    CHECK(after_back_s >= 4.0);
    CHECK(after_forward_s <= calm_s + 3.0);
    CHECK(after_back_s <= calm_s + 3.0);
    CHECK(r.events("clock.jump") == 2);
}
