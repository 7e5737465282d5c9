#include "sim/days.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "sim/simulator.hpp"
#include "tests/support/sim_helpers.hpp"

using namespace hashsink;

namespace {

using test::FixedController;
using test::one_miner;
using test::trace_of;

// Two days of a PV bell centred on `noon_utc_h` (hours after UTC midnight), 10-min rows, from
// 2024-05-01 00:00 UTC.
sim::Trace two_sunny_days(double noon_utc_h) {
    std::string csv = "time,pv_ac_w,house_load_w\n";
    const double start = 1714521600;  // 2024-05-01T00:00:00Z
    for (int i = 0; i <= 2 * 144; ++i) {
        const double t = start + i * 600.0;
        double hours_from_noon = std::fmod(std::fmod(t, 86400) / 3600 - noon_utc_h + 36, 24) - 12;
        const double pv =
            std::abs(hours_from_noon) < 6 ? 1000 * std::cos(hours_from_noon / 6 * M_PI / 2) : 0;
        csv += std::to_string(static_cast<long long>(t)) + "," + std::to_string(pv) + ",0\n";
    }
    return trace_of(csv);
}

}  // namespace

TEST_CASE("a solar trace's days run from solar midnight to solar midnight", "[sim]") {
    // A US west coast site: solar noon near 20:00 UTC, so UTC midnight falls in its afternoon.
    const auto trace = two_sunny_days(20);
    const sim::DaySplit split(trace);
    const double start = trace.start_s();
    // Solar midnight near 08:00 UTC: the trace's first 8 hours are the end of a first day.
    CHECK(split.index(start + 7.5 * 3600) == 0);
    CHECK(split.index(start + 8.5 * 3600) == 1);
    // One afternoon, both sides of UTC midnight, is one day.
    CHECK(split.index(start + 18 * 3600) == split.index(start + 26 * 3600));
    CHECK(split.date(1) == "2024-05-01");
    CHECK(split.count() == 3);
}

TEST_CASE("a trace without PV is split at UTC midnight", "[sim]") {
    const auto trace =
        trace_of("time,house_load_w\n1714521600,100\n1714608000,100\n1714694399,100\n");
    const sim::DaySplit split(trace);
    CHECK(split.count() == 2);
    CHECK(split.index(1714521600) == 0);
    CHECK(split.index(1714608000) == 1);
    CHECK(split.date(0) == "2024-05-01");
}

TEST_CASE("per-day figures add up to the run's", "[sim]") {
    const auto trace = two_sunny_days(12);
    const auto settings = one_miner(500);
    FixedController toggler(3600);
    const auto m = sim::run(trace, settings, toggler);
    REQUIRE(m.days.size() == 3);
    double absorbed = 0, import_wh = 0, switches = 0, hours = 0;
    for (const auto& d : m.days) {
        absorbed += d.absorbed_kwh;
        import_wh += d.import_wh;
        switches += d.switches_per_miner_day * d.hours / 24;
        hours += d.hours;
    }
    CHECK(absorbed == Approx(m.absorbed_kwh));
    CHECK(import_wh == Approx(m.import_wh));
    CHECK(hours == Approx(m.hours));
    CHECK(switches == Approx(m.switches_per_miner_day * m.hours / 24));
    CHECK(m.max_miner_switches_per_day == Approx(m.switches_per_miner_day));  // one miner

    const auto by_day = sim::oracle_absorbed_kwh_by_day(trace, settings);
    REQUIRE(by_day.size() == 3);
    CHECK(by_day[0] + by_day[1] + by_day[2] == Approx(sim::oracle_absorbed_kwh(trace, settings)));
    // A day's absorbed energy stays under that day's bound.
    for (std::size_t d = 0; d < 3; ++d) CHECK(m.days[d].absorbed_kwh <= by_day[d] + 1e-9);
}
