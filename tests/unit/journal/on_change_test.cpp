// Recording on change: the same day recorded every sample and on change gives the same charts
// within the deadband; a still value is written at the heartbeat and held between rows; history
// waits for its interval while events are committed at once.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "daemon/journal/journal.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"
#include "tests/unit/journal/open_journal.hpp"
#include "tests/unit/journal/sql.hpp"

using namespace hashsink;
using namespace hashsink::journal;
using namespace std::chrono_literals;
using hashsink::test::open_journal;

namespace {

std::int64_t hour_start() { return test::hour_start_ago(4); }

JournalOptions on_change() {
    JournalOptions o;
    o.recording.on_change = true;
    o.recording.heartbeat = 5min;
    o.recording.power = {10, 0.01};
    return o;
}

// Whether two readings of a power are within the deadband (10 W, 1 % of the recorded value, which
// either may be): what a held reading may be off by.
bool within_band(double a, double b) {
    return std::abs(a - b) <= std::max(10.0, 0.01 * std::max(std::abs(a), std::abs(b))) + 1e-6;
}

// Two hours of a meter (noise around steps and ramps), PV and one miner polled every 5 s.
void record_day(Journal& j, std::int64_t from_ms) {
    std::mt19937 rng(11);
    std::normal_distribution<double> noise(0, 3);
    for (int s = 0; s < 2 * 3600; ++s) {
        const double pv = s < 3600 ? 2000 + s * 0.5 : 3800 - (s - 3600) * 0.8;
        const double load = (s / 600) % 2 == 0 ? 800 : 1500;  // steps every 10 minutes
        const TimePoint at = from_unix_ms(from_ms + s * 1000LL);
        j.record_readings(at, {{"pv.ac_power_w", pv + noise(rng), "inv"},
                               {"grid.power_w", load - pv + noise(rng), "inv"},
                               {"pv.rating_w", 10000, "inv"}});
        if (s % 5 == 0) {
            MinerState m;
            m.online = true;
            m.state = MinerRunState::mining;
            m.power_w = (s / 900) % 2 == 0 ? 1200 + noise(rng) : 600 + noise(rng);
            m.hashrate_ths = *m.power_w / 30;
            j.record_miner_state(at, "m1", m);
        }
    }
    j.flush();
}

}  // namespace

TEST_CASE(
    "journal on change: a day recorded every sample and on change charts the same within "
    "the deadband",
    "[journal]") {
    const std::string dir = test::temp_dir();
    const std::int64_t h = hour_start();
    auto every = open_journal(dir + "/every.db");
    auto changed = open_journal(dir + "/changed.db", on_change());
    record_day(*every, h);
    record_day(*changed, h);
    changed.reset();  // its last samples are written as it closes
    changed = open_journal(dir + "/changed.db", on_change());

    // Far fewer rows; the rollups folded every sample all the same.
    CHECK(*changed->count("readings") * 5 < *every->count("readings"));
    CHECK(*changed->count("miner_states") * 2 < *every->count("miner_states"));
    CHECK(*changed->count("readings_1m") == *every->count("readings_1m"));

    for (std::int64_t bucket : {1'000LL, 10'000LL, 30'000LL, 60'000LL, 3'600'000LL}) {
        for (Resolution r : {Resolution::raw, Resolution::automatic}) {
            INFO("bucket " << bucket << " ms, " << to_string(r));
            auto a = every->history({h, h + 7'200'000, bucket, r});
            auto b = changed->history({h, h + 7'200'000, bucket, r});
            REQUIRE(a.has_value());
            REQUIRE(b.has_value());
            REQUIRE(a->size() == b->size());
            for (std::size_t i = 0; i < a->size(); ++i) {
                const HistoryRow& x = (*a)[i];
                const HistoryRow& y = (*b)[i];
                INFO("at " << (x.ts_ms - h) / 1000 << " s");
                REQUIRE(x.ts_ms == y.ts_ms);
                REQUIRE(y.pv_w.has_value());
                REQUIRE(y.grid_w.has_value());
                CHECK(within_band(*x.pv_w, *y.pv_w));
                CHECK(within_band(*x.grid_w, *y.grid_w));
                CHECK(within_band(*x.import_w, *y.import_w));
                CHECK(within_band(*x.export_w, *y.export_w));
                if (x.miners_w)  // polled every 5 s: not in every 1 s bucket of the raw rows
                    CHECK(within_band(*x.miners_w, *y.miners_w));
            }
        }
    }
    // One signal: the same rule.
    auto a = every->signal_history("pv.ac_power_w", {h, h + 7'200'000, 10'000, Resolution::raw});
    auto b = changed->signal_history("pv.ac_power_w", {h, h + 7'200'000, 10'000, Resolution::raw});
    REQUIRE(a.has_value());
    REQUIRE(b.has_value());
    REQUIRE(a->size() == b->size());
    REQUIRE(a->size() == 720);
    for (std::size_t i = 0; i < a->size(); ++i) CHECK(within_band((*a)[i].mean, (*b)[i].mean));
}

TEST_CASE("journal on change: a still value is written at the heartbeat and held between rows",
          "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    const std::int64_t h = hour_start();
    {
        auto j = open_journal(path, on_change());
        for (int s = 0; s < 20 * 60; ++s)
            j->record_readings(from_unix_ms(h + s * 1000LL), {{"house.temp_c", 21.0, "t"}});
    }
    auto j = open_journal(path, on_change());
    // The first sample, one at each 5 minute heartbeat, the last as the journal closed.
    CHECK(*j->count("readings") == 5);
    auto rows = j->signal_history("house.temp_c", {h, h + 1'200'000, 1'000, Resolution::raw});
    REQUIRE(rows.has_value());
    REQUIRE(rows->size() == 1200);
    for (const auto& r : *rows) {
        CHECK(r.mean == 21.0);
        CHECK(r.min == 21.0);
    }
    // Nothing is held past the last sample, nor across a gap longer than the heartbeat.
    auto after =
        j->signal_history("house.temp_c", {h + 1'200'000, h + 1'800'000, 1'000, Resolution::raw});
    REQUIRE(after.has_value());
    CHECK(after->empty());
}

TEST_CASE("journal on change: a change is one row, the new value, held from its sample",
          "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    const std::int64_t h = hour_start();
    {
        auto j = open_journal(path, on_change());
        // 100 W for a minute, then 900 W: within the band, every sample after the first is
        // held; the step is the one sample that moved.
        for (int s = 0; s < 120; ++s)
            j->record_readings(from_unix_ms(h + s * 1000LL),
                               {{"load.power_w", s < 60 ? 100.0 + (s % 3) : 900.0, "t"}});
    }
    auto j = open_journal(path, on_change());
    // The first sample, the step, the last as the journal closed: nothing just before the step.
    CHECK(test::sql_text(path, "SELECT group_concat((ts_ms - " + std::to_string(h) +
                                   ") / 1000) FROM readings") == "0,60,119");
    auto rows = j->signal_history("load.power_w", {h, h + 120'000, 1'000, Resolution::raw});
    REQUIRE(rows.has_value());
    REQUIRE(rows->size() == 120);
    for (std::size_t s = 0; s < rows->size(); ++s) {
        INFO("at " << s << " s");
        CHECK((*rows)[s].mean == (s < 60 ? 100.0 : 900.0));
    }
}

TEST_CASE("journal: a history read commits the history that waits, at most once a minute",
          "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    JournalOptions o;
    o.history_interval = 1h;
    auto j = open_journal(path, o);
    const std::int64_t h = hour_start();
    j->record_readings(from_unix_ms(h), {{"grid.power_w", 100, "m"}});
    j->record_readings(from_unix_ms(h + 1000), {{"grid.power_w", 200, "m"}});
    CHECK(*j->count("readings") == 0);
    // The chart ends at the last sample, not an hour back.
    auto rows = j->signal_history("grid.power_w", {h, h + 2'000, 1'000, Resolution::raw});
    REQUIRE(rows.has_value());
    CHECK(rows->size() == 2);
    CHECK(*j->count("readings") == 2);
    // Another read within the minute waits for the interval like everything else.
    j->record_readings(from_unix_ms(h + 2000), {{"grid.power_w", 300, "m"}});
    auto again = j->history({h, h + 3'000, 1'000, Resolution::raw});
    REQUIRE(again.has_value());
    CHECK(*j->count("readings") == 2);
}

TEST_CASE(
    "journal on change: what waits for a long history interval is the rows to write, and "
    "every sample's rollup",
    "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    JournalOptions o = on_change();
    o.commit_interval = 50ms;
    o.history_interval = 1h;
    auto j = open_journal(path, o);
    const std::int64_t h = hour_start();
    // Ten minutes of a still meter: two rows to write (the first, a heartbeat), 600 samples.
    for (int s = 0; s < 600; ++s)
        j->record_readings(from_unix_ms(h + s * 1000LL), {{"grid.power_w", 500.0 + s % 2, "m"}});
    // Digested within a commit interval: the queue no longer holds the samples.
    CHECK(test::eventually([&] { return j->stats().queue_depth <= 3; }, 5s));
    CHECK(*j->count("readings") == 0);
    j->flush();
    CHECK(*j->count("readings") <= 3);
    CHECK(test::sql_text(path, "SELECT SUM(n) FROM readings_1m") == "600");
    CHECK(test::sql_text(path, "SELECT SUM(n) FROM readings_1h") == "600");
}

TEST_CASE("journal: history waits for its interval, events and failed applies commit at once",
          "[journal]") {
    const std::string path = test::temp_dir() + "/journal.db";
    JournalOptions o;
    o.commit_interval = 50ms;
    o.history_interval = 1h;
    auto j = open_journal(path, o);
    const TimePoint now = WallClock::now();
    j->record_readings(now, {{"grid.power_w", 100, "m"}});
    j->record_event(now, Severity::warning, "miner.offline", "m1", "no answer");
    // The event is committed within commit_interval, and with it what waited.
    CHECK(test::eventually([&] { return *j->count("events") == 1; }, 5s));
    CHECK(*j->count("readings") == 1);

    // Readings and a successful apply alone wait for the history interval.
    j->record_readings(now + 1s, {{"grid.power_w", 200, "m"}});
    MinerTarget t;
    t.run = true;
    t.power_w = 500;
    j->record_target(now + 1s, 7, "m1", t, "surplus");
    j->record_apply_result(now + 1s, 7, "m1", Status::success());
    std::this_thread::sleep_for(300ms);  // six commit intervals: absence cannot be polled
    CHECK(*j->count("readings") == 1);
    CHECK(*j->count("targets") == 0);

    // A failed apply result is committed at once, with its target.
    j->record_target(now + 2s, 8, "m1", t, "surplus");
    j->record_apply_result(now + 2s, 8, "m1",
                           Status::error(ErrorCode::io, "connection refused", true));
    CHECK(test::eventually([&] { return *j->count("targets") == 2; }, 5s));
    CHECK(*j->count("readings") == 2);
    CHECK(test::sql_text(path, "SELECT result FROM targets WHERE tick = 8") == "error");
}
