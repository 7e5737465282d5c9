// [site] timezone: loaded once by the config loader from the zoneinfo directory ($TZDIR here:
// tests/fixtures/tz, never the host's), bad names reported at the key, and the zone handed to
// the policies that read local time.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "daemon/config/config.hpp"
#include "daemon/config/zoneinfo.hpp"
#include "policies/registry.hpp"
#include "policies/schedule/schedule.hpp"
#include "tests/support/process.hpp"

namespace hashsink::config {
namespace {

Catalog policy_catalog() {
    Catalog c;
    for (const auto& t : policies::policy_types()) c.policies[t.name] = t.keys;
    return c;
}

void use_fixture_zones() {
    ::setenv("TZDIR", HASHSINK_SOURCE_DIR "/tests/fixtures/tz", 1);
}

std::string site_with_zone(const std::string& zone) {
    return "[site]\nmax_draw_w = 1000\ntimezone = \"" + zone +
           "\"\n\n[policy]\nuse = \"schedule\"\n\n[policy.schedule]\n"
           "windows = [\"mon-fri 06:00-08:30 max\"]\n";
}

TimePoint utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
    using namespace std::chrono;
    return TimePoint{sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi}};
}

}  // namespace

TEST_CASE("config_tz: an unknown zone is reported at site.timezone") {
    use_fixture_zones();
    auto r = load_string(site_with_zone("Europe/Atlantis"), "site.toml", policy_catalog());
    REQUIRE_FALSE(r.ok());
    REQUIRE(r.diagnostics.size() == 1);
    const std::string line = r.diagnostics[0].format();
    INFO(line);
    CHECK(line.rfind("site.toml:3:12: error: site.timezone: time zone \"Europe/Atlantis\": "
                     "unknown zone",
                     0) == 0);
    for (const char* bad : {"../../etc/passwd", "/etc/localtime", "Europe/../Europe/Berlin",
                            "Europe//Berlin", "Europe/Berlin ", "-x", "Europe/"}) {
        INFO(bad);
        auto b = load_string(site_with_zone(bad), "site.toml", policy_catalog());
        REQUIRE(b.diagnostics.size() == 1);
        CHECK(b.diagnostics[0].key_path == "site.timezone");
        CHECK(b.diagnostics[0].message.find("not a zone name") != std::string::npos);
    }
    // A directory and a file that is not TZif.
    CHECK(load_string(site_with_zone("Europe"), "site.toml", policy_catalog())
              .diagnostics.at(0).message.find("not a zone file") != std::string::npos);
    const std::string dir = test::temp_dir();
    ::mkdir((dir + "/Bad").c_str(), 0755);
    std::ofstream(dir + "/Bad/Zone") << std::string(64, 'x');
    ::setenv("TZDIR", dir.c_str(), 1);
    auto garbage = load_string(site_with_zone("Bad/Zone"), "site.toml", policy_catalog());
    use_fixture_zones();
    REQUIRE(garbage.diagnostics.size() == 1);
    CHECK(garbage.diagnostics[0].message ==
          "time zone \"Bad/Zone\": " + dir + "/Bad/Zone: parse TZif: not a TZif file (bad magic)");
}

TEST_CASE("config_tz: a known zone reaches the schedule policy, none keeps utc_offset_min") {
    use_fixture_zones();
    auto r = load_string(site_with_zone("Europe/Berlin"), "site.toml", policy_catalog());
    INFO((r.diagnostics.empty() ? "" : r.diagnostics[0].format()));
    REQUIRE(r.ok());
    REQUIRE(r.config->time_zone);
    CHECK(r.config->time_zone->name() == "Europe/Berlin");
    auto policy = policies::make_policy("schedule", r.config->policy_tables, r.config->time_zone);
    auto* schedule = dynamic_cast<policies::SchedulePolicy*>(policy.get());
    REQUIRE(schedule);
    SiteSnapshot snap;
    snap.now = utc(2026, 3, 30, 4, 0);   // Monday 06:00 CEST
    CHECK(schedule->intent(snap));
    snap.now = utc(2026, 3, 27, 4, 0);   // Friday 05:00 CET
    CHECK_FALSE(schedule->intent(snap));

    // No timezone: UTC plus the policy's fixed offset, as before.
    auto plain = load_string("[site]\nmax_draw_w = 1000\n\n[policy]\nuse = \"schedule\"\n\n"
                             "[policy.schedule]\nutc_offset_min = 60\n"
                             "windows = [\"mon-fri 06:00-08:30 max\"]\n",
                             "site.toml", policy_catalog());
    REQUIRE(plain.ok());
    CHECK_FALSE(plain.config->time_zone);
    auto fixed = policies::make_policy("schedule", plain.config->policy_tables,
                                       plain.config->time_zone);
    snap.now = utc(2026, 3, 30, 5, 0);   // 06:00 at UTC+1
    CHECK(dynamic_cast<policies::SchedulePolicy*>(fixed.get())->intent(snap));
    CHECK(load_zoneinfo("UTC"));
    CHECK(load_zoneinfo("")->name() == "UTC");
}

}  // namespace hashsink::config
