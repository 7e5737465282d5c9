// The journal keeps the heat floor and what the miners earn, hash and heat apart (migration 4).
#include <catch2/catch.hpp>

#include "daemon/journal/journal.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace hashsink::journal;

TEST_CASE("journal: a decision's heat floor, hash revenue and heat value", "[heat][journal]") {
    JournalOptions o;
    o.path = test::temp_dir() + "/journal.db";
    auto j = Journal::open(o);
    INFO((j ? std::string() : j.error().message));
    REQUIRE(j.has_value());
    auto& journal = **j;
    const TimePoint t0 = from_unix_ms(unix_ms(WallClock::now()) / 1000 * 1000);

    Decision plain;
    plain.policy = "solar_surplus";
    plain.budget_w = 100;
    journal.record_decision(t0, 1, plain);

    Decision heat;
    heat.policy = "layered";
    heat.budget_w = 500;
    heat.miner_floor_w = {{"a", 200}, {"b", 100}};
    heat.report.miner_hash_value_per_h = {{"a", 0.004}, {"c", 0.002}};
    heat.report.miner_heat_value_per_h = {{"a", 0.02}};
    journal.record_decision(t0 + std::chrono::seconds(1), 2, heat);
    journal.flush();

    auto rows = journal.recent_decisions(10);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].tick == 2);
    CHECK(*rows[0].heat_floor_w == Approx(300));
    CHECK(*rows[0].hash_value_per_h == Approx(0.006));
    CHECK(*rows[0].heat_value_per_h == Approx(0.02));
    CHECK_FALSE(rows[1].heat_floor_w);
    CHECK_FALSE(rows[1].hash_value_per_h);
    CHECK_FALSE(rows[1].heat_value_per_h);
    CHECK(Journal::schema_version() >= 4);
}
