#include <catch2/catch.hpp>

#include "sim/trace.hpp"
#include "tests/support/sim_helpers.hpp"

using namespace hashsink;
using sim::Column;
using test::trace_error;

TEST_CASE("trace times: ISO 8601 with and without zones, Unix seconds", "[sim][trace]") {
    CHECK(sim::parse_time_s("1970-01-01T00:00:00Z") == 0);
    CHECK(sim::parse_time_s("2026-06-14T10:00Z") == 1781431200);
    CHECK(sim::parse_time_s("2026-06-14T10:00:00Z") == 1781431200);
    CHECK(sim::parse_time_s("2026-06-14 12:00:00+02:00") == 1781431200);
    CHECK(sim::parse_time_s("2026-06-14T03:00:00-0700") == 1781431200);
    CHECK(sim::parse_time_s("2026-06-14T10:00:00.500Z") == Approx(1781431200.5));
    CHECK(sim::parse_time_s("1781431200") == 1781431200);
    CHECK_FALSE(sim::parse_time_s("yesterday"));
    CHECK_FALSE(sim::parse_time_s("2026-13-01T00:00Z"));
    CHECK_FALSE(sim::parse_time_s("2026-06-14T25:00Z"));
    CHECK_FALSE(sim::parse_time_s("2026-06-14T10:00:00Q"));
}

TEST_CASE("trace: columns, comments, interpolation and price slots", "[sim][trace]") {
    auto t = sim::parse_trace(
        "# a comment\n"
        "time,pv_ac_w,price_per_kwh\n"
        "0,0,0.10\n"
        "60,600,0.20\n"
        "120,1200,0.30\r\n",
        "t.csv");
    REQUIRE(t.has_value());
    CHECK(t->has(Column::pv_ac_w));
    CHECK_FALSE(t->has(Column::house_load_w));
    CHECK(t->at(Column::pv_ac_w, 30) == Approx(300));
    CHECK(t->at(Column::pv_ac_w, 90) == Approx(900));
    CHECK(t->at(Column::pv_ac_w, 500) == Approx(1200));   // clamped
    CHECK(t->at(Column::price_per_kwh, 59) == Approx(0.10));   // a slot holds
    CHECK(t->at(Column::price_per_kwh, 60) == Approx(0.20));
    CHECK(t->at(Column::house_load_w, 30, 7) == 7);   // absent: fallback
}

TEST_CASE("bad traces name the line and the cause", "[sim][trace]") {
    // The message is the whole error, or a part of it.
    enum class Match { whole, part };
    struct Case {
        const char* name;
        const char* csv;
        const char* message;
        Match match;
    };
    const Case cases[] = {
        {"missing time column", "pv_ac_w,house_load_w\n1,2\n3,4\n",
         "trace t.csv:1: missing the required 'time' column", Match::whole},
        {"header after comments", "# source\n# licence\npv_ac_w\n1\n",
         "t.csv:3: missing the required 'time'", Match::part},
        {"unknown column", "time,pv_ac\n0,1\n60,2\n", "t.csv:1: unknown column 'pv_ac'",
         Match::part},
        {"non-numeric value", "time,pv_ac_w\n0,1\n60,2\n120,abc\n180,4\n",
         "trace t.csv:4: pv_ac_w: not a number: 'abc'", Match::whole},
        {"empty value", "time,pv_ac_w\n0,1\n60,\n", "trace t.csv:3: pv_ac_w: not a number: ''",
         Match::whole},
        {"bad time", "time,pv_ac_w\n0,1\nnoon,2\n", "t.csv:3: time: cannot read 'noon'",
         Match::part},
        {"unsorted rows", "time,pv_ac_w\n0,1\n120,2\n60,3\n",
         "trace t.csv:4: time goes backwards (rows must be sorted by time)", Match::whole},
        {"repeated time", "time,pv_ac_w\n0,1\n60,2\n60,3\n", "t.csv:4: time repeats", Match::part},
        {"gap", "time,pv_ac_w\n0,1\n60,2\n120,3\n180,4\n3600,5\n3660,6\n",
         "t.csv:6: gap of 3420 s after line 5", Match::part},
        {"wrong number of values", "time,pv_ac_w\n0,1\n60,2,3\n",
         "trace t.csv:3: expected 2 values, got 3", Match::whole},
        {"a single row", "time,pv_ac_w\n0,1\n", "at least two rows", Match::part},
        {"empty", "", "t.csv:1: empty trace", Match::part},
    };
    for (const auto& c : cases) {
        DYNAMIC_SECTION(c.name) {
            auto e = trace_error(c.csv);
            if (c.match == Match::whole)
                CHECK(e == c.message);
            else
                CHECK(e.find(c.message) != std::string::npos);
        }
    }
}
