#include <catch2/catch.hpp>

#include "daemon/core/options.hpp"
#include "daemon/core/result.hpp"
#include "daemon/core/snapshot.hpp"
#include "daemon/core/time.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

TEST_CASE("durations parse in the config's syntax", "[core]") {
    REQUIRE(parse_duration("250ms") == Duration{250});
    REQUIRE(parse_duration("5s") == Duration{5000});
    REQUIRE(parse_duration("1h30m") == Duration{5'400'000});
    REQUIRE(parse_duration("1.5s") == Duration{1500});
    REQUIRE(parse_duration("30d") == Duration{30LL * 86'400'000});
    REQUIRE_FALSE(parse_duration(""));
    REQUIRE_FALSE(parse_duration("5"));
    REQUIRE_FALSE(parse_duration("s"));
    REQUIRE_FALSE(parse_duration("5 s"));
    REQUIRE_FALSE(parse_duration("5x"));
    REQUIRE_FALSE(parse_duration("99999999999999999999d"));
    REQUIRE(format_duration(Duration{5000}) == "5s");
    REQUIRE(format_duration(Duration{250}) == "250ms");
}

TEST_CASE("Result carries a value or a status", "[core]") {
    Result<int> ok = 5;
    REQUIRE(ok);
    REQUIRE(*ok == 5);
    Result<int> bad = Status::error(ErrorCode::timeout, "miner a: read info: timed out");
    REQUIRE_FALSE(bad);
    REQUIRE(bad.error().code == ErrorCode::timeout);
    REQUIRE(bad.value_or(7) == 7);
}

TEST_CASE("readings go stale after their max age", "[core]") {
    SiteSnapshot s;
    TimePoint t0{std::chrono::seconds{1000}};
    s.readings["x"] = Reading{1.5, t0, Duration{5000}, "src"};
    s.now = t0 + 5s;
    REQUIRE(s.fresh("x") == 1.5);
    s.now = t0 + 6s;
    REQUIRE_FALSE(s.fresh("x"));
    REQUIRE(s.find("x") != nullptr);
    REQUIRE_FALSE(s.fresh("y"));
}

TEST_CASE("iso8601 formats UTC with milliseconds", "[core]") {
    REQUIRE(iso8601(from_unix_ms(1'700'000'000'123)) == "2023-11-14T22:13:20.123Z");
}
