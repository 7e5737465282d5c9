// Schedule and comfort windows in a zone that follows daylight saving: a window opens at the
// same local time on both sides of a change, and looking ahead across a change finds it there.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "daemon/core/time_zone.hpp"
#include "policies/heat_demand/heat_zone.hpp"
#include "policies/schedule/schedule.hpp"

namespace hashsink::policies {
namespace {

TimeZone fixture(const std::string& name) {
    std::ifstream in(std::string(HASHSINK_SOURCE_DIR) + "/tests/fixtures/tz/" + name,
                     std::ios::binary);
    REQUIRE(in);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    auto z = TimeZone::from_tzif(bytes.str(), name);
    REQUIRE(z);
    return *z;
}

TimePoint utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
    using namespace std::chrono;
    return TimePoint{sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi}};
}

ScheduleSettings weekday_mornings(const TimeZone& zone) {
    ScheduleSettings s;
    s.windows.push_back(*parse_window("mon-fri 06:00-08:30 max").window);
    s.time_zone = zone;
    return s;
}

bool active(const SchedulePolicy& p, TimePoint t) {
    SiteSnapshot snap;
    snap.now = t;
    return p.intent(snap).has_value();
}

}  // namespace

TEST_CASE("schedule_tz: mon-fri 06:00-08:30 opens at 06:00 local on both sides of a daylight "
          "saving change") {
    const SchedulePolicy berlin(weekday_mornings(fixture("Europe/Berlin")));
    // Friday 2026-03-27 (CET, UTC+1) and Monday 2026-03-30 (CEST, UTC+2).
    CHECK_FALSE(active(berlin, utc(2026, 3, 27, 4, 59)));
    CHECK(active(berlin, utc(2026, 3, 27, 5, 0)));
    CHECK(active(berlin, utc(2026, 3, 27, 7, 29)));
    CHECK_FALSE(active(berlin, utc(2026, 3, 27, 7, 30)));
    CHECK_FALSE(active(berlin, utc(2026, 3, 30, 3, 59)));
    CHECK(active(berlin, utc(2026, 3, 30, 4, 0)));
    CHECK_FALSE(active(berlin, utc(2026, 3, 30, 6, 30)));
    // Autumn: Friday 2026-10-23 (CEST) and Monday 2026-10-26 (CET).
    CHECK(active(berlin, utc(2026, 10, 23, 4, 0)));
    CHECK_FALSE(active(berlin, utc(2026, 10, 26, 4, 0)));
    CHECK(active(berlin, utc(2026, 10, 26, 5, 0)));

    const SchedulePolicy denver(weekday_mornings(fixture("America/Denver")));
    // Friday 2026-03-06 (MST, UTC-7) and Monday 2026-03-09 (MDT, UTC-6).
    CHECK_FALSE(active(denver, utc(2026, 3, 6, 12, 59)));
    CHECK(active(denver, utc(2026, 3, 6, 13, 0)));
    CHECK_FALSE(active(denver, utc(2026, 3, 9, 11, 59)));
    CHECK(active(denver, utc(2026, 3, 9, 12, 0)));

    // The fixed offset still works when no zone is given: no daylight saving.
    ScheduleSettings fixed = weekday_mornings(TimeZone{});
    fixed.time_zone.reset();
    fixed.utc_offset_min = 60;
    const SchedulePolicy cet(fixed);
    CHECK(active(cet, utc(2026, 3, 30, 5, 0)));
    CHECK_FALSE(active(cet, utc(2026, 3, 30, 4, 0)));
}

TEST_CASE("schedule_tz: next_window_start looks ahead across a daylight saving change") {
    const TimeZone berlin = fixture("Europe/Berlin");
    ScheduleSettings daily;
    daily.windows.push_back(*parse_window("06:00-08:30 max").window);
    daily.time_zone = berlin;
    // From local midnight (CET) of the spring-forward Sunday: 06:00 CEST is 04:00 UTC.
    CHECK(next_window_start(daily, utc(2026, 3, 28, 23, 0), Duration{std::chrono::hours{12}}) ==
          utc(2026, 3, 29, 4, 0));
    // Within 5 h (to 04:00 UTC inclusive) it is found; within 4h59 it is not.
    CHECK(next_window_start(daily, utc(2026, 3, 28, 23, 0), Duration{std::chrono::hours{5}}));
    CHECK_FALSE(next_window_start(daily, utc(2026, 3, 28, 23, 0),
                                  Duration{std::chrono::minutes{299}}));
    // Autumn: from local midnight (CEST) of October 25, 06:00 CET is 05:00 UTC.
    CHECK(next_window_start(daily, utc(2026, 10, 24, 22, 0), Duration{std::chrono::hours{12}}) ==
          utc(2026, 10, 25, 5, 0));
    // mon-fri from the Friday evening before: Monday 06:00 CEST, past the weekend's change.
    const auto weekdays = weekday_mornings(berlin);
    CHECK_FALSE(next_window_start(weekdays, utc(2026, 3, 27, 20, 0), Duration{86'400'000}));
    CHECK(next_window_start(weekdays, utc(2026, 3, 29, 20, 0), Duration{86'400'000}) ==
          utc(2026, 3, 30, 4, 0));
    // A window starting inside the skipped hour opens when the hour ends (03:00 CEST).
    ScheduleSettings skipped;
    skipped.windows.push_back(*parse_window("02:30-03:30 max").window);
    skipped.time_zone = berlin;
    CHECK(next_window_start(skipped, utc(2026, 3, 28, 23, 0), Duration{86'400'000}) ==
          utc(2026, 3, 29, 1, 0));
    SiteSnapshot snap;
    snap.now = utc(2026, 3, 29, 1, 0);
    CHECK(SchedulePolicy(skipped).intent(snap));
}

TEST_CASE("schedule_tz: heat comfort windows and optimum start follow the zone") {
    Options entry;
    entry.set("id", std::string("house"));
    entry.set("miners", std::vector<std::string>{"s21"});
    entry.set("temperature", std::string("house.temp_c"));
    entry.set("comfort", std::vector<std::string>{"mon-fri 06:00-08:30"});
    entry.set("preheat_max", Duration{std::chrono::minutes{90}});
    const HeatZone zone = HeatZone::from(entry, 0, fixture("America/Denver"));
    SiteSnapshot snap;
    // Friday 2026-03-06 06:00 MST is 13:00 UTC; Monday 2026-03-09 06:00 MDT is 12:00 UTC.
    snap.now = utc(2026, 3, 6, 13, 0);
    CHECK(zone.in_comfort(snap));
    snap.now = utc(2026, 3, 9, 12, 0);
    CHECK(zone.in_comfort(snap));
    CHECK(zone.target_c(snap) == zone.comfort_c);
    snap.now = utc(2026, 3, 9, 11, 0);
    CHECK_FALSE(zone.in_comfort(snap));
    CHECK(zone.next_comfort_start(snap) == utc(2026, 3, 9, 12, 0));
}

}  // namespace hashsink::policies
