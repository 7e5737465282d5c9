// TimeZone: TZif parsing (RFC 8536), the POSIX TZ footer rule, daylight saving changes and
// hostile bytes. Zones come from tests/fixtures/tz (tzdata's compiled files), never the host.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <sstream>

#include "daemon/core/time_zone.hpp"

namespace hashsink {
namespace {

std::string fixture_bytes(const std::string& name) {
    std::ifstream in(std::string(HASHSINK_SOURCE_DIR) + "/tests/fixtures/tz/" + name,
                     std::ios::binary);
    REQUIRE(in);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

TimeZone fixture(const std::string& name) {
    auto z = TimeZone::from_tzif(fixture_bytes(name), name);
    INFO((z ? std::string() : z.error().message));
    REQUIRE(z);
    return *z;
}

// Seconds since the epoch of a UTC date and time.
std::int64_t utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
    using namespace std::chrono;
    const sys_days date{year{y} / month{mo} / day{d}};
    return date.time_since_epoch().count() * 86'400LL + h * 3600LL + mi * 60LL + s;
}

TimePoint at(std::int64_t unix_s) { return from_unix_ms(unix_s * 1000); }

int offset_min(const TimeZone& z, std::int64_t unix_s) {
    return static_cast<int>(z.offset_at(at(unix_s)).count());
}

// A TZif file built by hand: version, the v1 (or v2+) block with these transitions and types,
// and a footer for v2+.
struct TzifBuilder {
    char version = '2';
    std::vector<std::int64_t> times;
    std::vector<std::uint8_t> types;
    std::vector<std::int32_t> offsets_s = {0};
    std::string footer;

    static void be(std::string& out, std::int64_t v, int width) {
        for (int k = width - 1; k >= 0; --k) out += static_cast<char>((v >> (8 * k)) & 0xff);
    }
    void block(std::string& out, int time_size) const {
        out += "TZif";
        out += version;
        out += std::string(15, '\0');
        for (std::int64_t c : {0, 0, 0, static_cast<int>(times.size()),
                               static_cast<int>(offsets_s.size()), 4})
            be(out, c, 4);
        for (auto t : times) be(out, t, time_size);
        for (auto t : types) out += static_cast<char>(t);
        for (auto o : offsets_s) {
            be(out, o, 4);
            out += '\0';
            out += '\0';
        }
        out += std::string("ABC\0", 4);
    }
    std::string bytes() const {
        std::string out;
        block(out, 4);
        if (version == '\0') return out;
        block(out, 8);
        return out + "\n" + footer + "\n";
    }
};

}  // namespace

TEST_CASE("time_zone: Europe/Berlin changes at 01:00 UTC on the last Sundays of March and "
          "October") {
    const TimeZone berlin = fixture("Europe/Berlin");
    CHECK(berlin.name() == "Europe/Berlin");
    CHECK(offset_min(berlin, utc(2026, 1, 15, 12)) == 60);
    CHECK(offset_min(berlin, utc(2026, 3, 29, 0, 59, 59)) == 60);
    CHECK(offset_min(berlin, utc(2026, 3, 29, 1)) == 120);
    CHECK(offset_min(berlin, utc(2026, 7, 1)) == 120);
    CHECK(offset_min(berlin, utc(2026, 10, 25, 0, 59, 59)) == 120);
    CHECK(offset_min(berlin, utc(2026, 10, 25, 1)) == 60);
    // 2024: March 31 and October 27.
    CHECK(offset_min(berlin, utc(2024, 3, 31, 0, 59)) == 60);
    CHECK(offset_min(berlin, utc(2024, 3, 31, 1)) == 120);
    CHECK(offset_min(berlin, utc(2024, 10, 27, 1)) == 60);
    // Before the first transition: local mean time (+0:53:28), floored to minutes.
    CHECK(offset_min(berlin, utc(1850, 1, 1)) == 53);
}

TEST_CASE("time_zone: America/Denver changes at 2:00 local on the second Sunday of March and "
          "the first of November") {
    const TimeZone denver = fixture("America/Denver");
    CHECK(offset_min(denver, utc(2026, 1, 15)) == -420);
    CHECK(offset_min(denver, utc(2026, 3, 8, 8, 59, 59)) == -420);   // 01:59:59 MST
    CHECK(offset_min(denver, utc(2026, 3, 8, 9)) == -360);           // 03:00 MDT
    CHECK(offset_min(denver, utc(2026, 11, 1, 7, 59, 59)) == -360);  // 01:59:59 MDT
    CHECK(offset_min(denver, utc(2026, 11, 1, 8)) == -420);          // 01:00 MST
    // The January 2022 winter scenario is in standard time throughout.
    CHECK(offset_min(denver, utc(2022, 1, 1, 7)) == -420);
    CHECK(offset_min(denver, utc(2022, 1, 4, 23)) == -420);
}

TEST_CASE("time_zone: beyond the last transition the footer rule decides") {
    const TimeZone berlin = fixture("Europe/Berlin");
    const TimeZone denver = fixture("America/Denver");
    // 2100: last Sundays March 28 and October 31; second Sunday of March 14, first of Nov 7.
    CHECK(offset_min(berlin, utc(2100, 3, 28, 0, 59)) == 60);
    CHECK(offset_min(berlin, utc(2100, 3, 28, 1)) == 120);
    CHECK(offset_min(berlin, utc(2100, 10, 31, 0, 59)) == 120);
    CHECK(offset_min(berlin, utc(2100, 10, 31, 1)) == 60);
    CHECK(offset_min(denver, utc(2100, 3, 14, 8, 59)) == -420);
    CHECK(offset_min(denver, utc(2100, 3, 14, 9)) == -360);
    CHECK(offset_min(denver, utc(2100, 11, 7, 7, 59)) == -360);
    CHECK(offset_min(denver, utc(2100, 11, 7, 8)) == -420);
}

TEST_CASE("time_zone: the footer rule alone agrees with tzdata's transitions from 2008 to 2037") {
    for (const auto& [name, rule] :
         {std::pair<std::string, std::string>{"Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"},
          {"America/Denver", "MST7MDT,M3.2.0,M11.1.0"}}) {
        const TimeZone listed = fixture(name);
        TzifBuilder b;
        b.footer = rule;
        auto by_rule = TimeZone::from_tzif(b.bytes(), name);
        REQUIRE(by_rule);
        for (std::int64_t t = utc(2008, 1, 1); t < utc(2037, 1, 1); t += 1800) {
            INFO(name << " at " << t);
            REQUIRE(by_rule->offset_s_at(t) == listed.offset_s_at(t));
        }
    }
}

TEST_CASE("time_zone: POSIX rules with J, n and M dates, quoted names, times and a southern "
          "summer") {
    auto r = PosixTzRule::parse("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");   // Lord Howe-like
    REQUIRE(r);
    CHECK(r->std_offset_s == 37'800);
    CHECK(r->dst_offset_s == 39'600);
    CHECK(r->offset_s_at(utc(2026, 1, 10)) == 39'600);   // January: summer time
    CHECK(r->offset_s_at(utc(2026, 6, 10)) == 37'800);
    auto aus = PosixTzRule::parse("AEST-10AEDT,M10.1.0,M4.1.0/3");
    REQUIRE(aus);
    // 2026: summer time ends April 5 at 03:00 AEDT (16:00 UTC April 4), starts October 4 at
    // 02:00 AEST (16:00 UTC October 3).
    CHECK(aus->offset_s_at(utc(2026, 4, 4, 15, 59)) == 11 * 3600);
    CHECK(aus->offset_s_at(utc(2026, 4, 4, 16)) == 10 * 3600);
    CHECK(aus->offset_s_at(utc(2026, 10, 3, 15, 59)) == 10 * 3600);
    CHECK(aus->offset_s_at(utc(2026, 10, 3, 16)) == 11 * 3600);
    CHECK(aus->offset_s_at(utc(2026, 12, 31, 23)) == 11 * 3600);
    auto julian = PosixTzRule::parse("XXX3YYY,J60/0,300/-1:30");
    REQUIRE(julian);
    CHECK(julian->offset_s_at(utc(2024, 2, 29, 12)) == -3 * 3600);   // J60 is March 1 even in leap years
    CHECK(julian->offset_s_at(utc(2024, 3, 1, 4)) == -2 * 3600);
    auto fixed = PosixTzRule::parse("<-03>3");
    REQUIRE(fixed);
    CHECK_FALSE(fixed->has_dst);
    CHECK(fixed->offset_s_at(utc(2026, 7, 1)) == -3 * 3600);
    for (const char* bad : {"", "C", "CET", "CET-", "CET-1CEST", "CET-1CEST,M3.5.0",
                            "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.6.0,M10.5.0",
                            "CET-1CEST,M3.5.7,M10.5.0", "CET-1CEST,M3.5.0,M10.5.0/168",
                            "CET-1CEST,J0,J10", "CET-1CEST,366,10", "<CET-1", "<>-1",
                            "CET-25", "CET-1:60", "CET-1CEST,M3.5.0,M10.5.0x", "CET-1 ",
                            "CET-99999999999999999999"}) {
        INFO(bad);
        CHECK_FALSE(PosixTzRule::parse(bad));
    }
}

TEST_CASE("time_zone: fixed offsets, version 1 files and files without transitions") {
    const TimeZone mst = TimeZone::fixed(std::chrono::minutes{-420});
    CHECK(mst.name() == "UTC-07:00");
    CHECK(offset_min(mst, utc(2026, 7, 1)) == -420);
    CHECK(TimeZone{}.name() == "UTC");
    CHECK(offset_min(TimeZone{}, utc(2026, 7, 1)) == 0);

    TzifBuilder v1;
    v1.version = '\0';
    v1.times = {utc(2000, 1, 1)};
    v1.types = {1};
    v1.offsets_s = {3600, 7200};
    auto z1 = TimeZone::from_tzif(v1.bytes(), "v1");
    REQUIRE(z1);
    CHECK(offset_min(*z1, utc(1999, 12, 31)) == 60);
    CHECK(offset_min(*z1, utc(2030, 1, 1)) == 120);

    TzifBuilder none;
    none.footer = "";
    none.offsets_s = {-5 * 3600};
    auto z2 = TimeZone::from_tzif(none.bytes(), "none");
    REQUIRE(z2);
    CHECK(offset_min(*z2, utc(2030, 1, 1)) == -300);
}

TEST_CASE("time_zone: local times resolve to their instant around daylight saving changes") {
    const TimeZone berlin = fixture("Europe/Berlin");
    auto local = [](int y, unsigned mo, unsigned d, int h, int mi) { return utc(y, mo, d, h, mi); };
    CHECK(berlin.unix_s_of_local(local(2026, 3, 28, 6, 0)) == utc(2026, 3, 28, 5, 0));
    CHECK(berlin.unix_s_of_local(local(2026, 3, 30, 6, 0)) == utc(2026, 3, 30, 4, 0));
    // 02:30 on March 29 does not happen: the clocks jump from 02:00 to 03:00 (01:00 UTC).
    CHECK(berlin.unix_s_of_local(local(2026, 3, 29, 2, 30)) == utc(2026, 3, 29, 1, 0));
    CHECK(berlin.unix_s_of_local(local(2026, 3, 29, 3, 0)) == utc(2026, 3, 29, 1, 0));
    // 02:30 on October 25 happens twice: the first (summer time) is taken.
    CHECK(berlin.unix_s_of_local(local(2026, 10, 25, 2, 30)) == utc(2026, 10, 25, 0, 30));
    CHECK(berlin.unix_s_of_local(local(2026, 10, 25, 3, 0)) == utc(2026, 10, 25, 2, 0));
}

TEST_CASE("time_zone: truncated, garbage and corrupted TZif bytes are errors, never a crash") {
    const std::string berlin = fixture_bytes("Europe/Berlin");
    // Every truncation: a version 2 file is complete only with its footer's final newline.
    for (std::size_t n = 0; n < berlin.size(); ++n) {
        INFO("truncated to " << n);
        auto z = TimeZone::from_tzif(std::string_view(berlin).substr(0, n), "cut");
        REQUIRE_FALSE(z);
        CHECK(z.error().message.rfind("time zone cut: parse TZif: ", 0) == 0);
    }
    CHECK_FALSE(TimeZone::from_tzif("", "empty"));
    CHECK_FALSE(TimeZone::from_tzif(std::string(44, '\0'), "zeros"));
    CHECK_FALSE(TimeZone::from_tzif("TZif2" + std::string(100, '\xff'), "ones"));

    // Counts that promise more than there is, types out of range, a garbage footer.
    TzifBuilder huge;
    huge.times = {0};
    huge.types = {0};
    std::string bytes = huge.bytes();
    bytes[20 + 12] = '\x7f';   // timecnt of the v1 header
    CHECK_FALSE(TimeZone::from_tzif(bytes, "huge"));
    TzifBuilder bad_type;
    bad_type.times = {0};
    bad_type.types = {5};
    CHECK_FALSE(TimeZone::from_tzif(bad_type.bytes(), "type"));
    TzifBuilder unordered;
    unordered.times = {100, 50};
    unordered.types = {0, 0};
    CHECK_FALSE(TimeZone::from_tzif(unordered.bytes(), "order"));
    TzifBuilder wild;
    wild.offsets_s = {0x7fffffff};
    CHECK_FALSE(TimeZone::from_tzif(wild.bytes(), "offset"));
    TzifBuilder footer;
    footer.footer = "CET-1CEST,M3.5.0";
    CHECK_FALSE(TimeZone::from_tzif(footer.bytes(), "footer"));

    // Random corruption: whatever parses answers offsets within a day.
    std::mt19937 rng(20261122);
    for (int round = 0; round < 2000; ++round) {
        std::string b = berlin;
        const int flips = 1 + static_cast<int>(rng() % 8);
        for (int k = 0; k < flips; ++k) b[rng() % b.size()] = static_cast<char>(rng() & 0xff);
        auto z = TimeZone::from_tzif(b, "flip");
        if (!z) continue;
        for (std::int64_t t : {utc(1800, 1, 1), utc(2026, 3, 29, 1), utc(2100, 6, 1)}) {
            const auto off = z->offset_s_at(t);
            CHECK((off > -26 * 3600 && off < 26 * 3600));
            (void)z->unix_s_of_local(t);
        }
    }
    for (int round = 0; round < 500; ++round) {
        std::string b(rng() % 300, '\0');
        for (auto& c : b) c = static_cast<char>(rng() & 0xff);
        if (round % 2 == 0 && b.size() >= 5) b.replace(0, 5, "TZif2");
        (void)TimeZone::from_tzif(b, "random");
    }
}

}  // namespace hashsink
