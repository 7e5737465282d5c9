// MQTT payload parsing: numbers, JSON pointers, ISO 8601 times and slot schedules.
#include "adapters/sensors/mqtt_payload.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "adapters/transport/mqtt_client.hpp"
#include "tests/support/fixtures.hpp"

using namespace hashsink;
using namespace hashsink::sensors::mqtt;

TEST_CASE("ISO 8601 times need an offset and convert to UTC", "[mqtt]") {
    auto t = parse_iso8601("2026-11-21T11:15:00+01:00");
    REQUIRE(t);
    CHECK(iso8601(*t) == "2026-11-21T10:15:00.000Z");
    CHECK(iso8601(*parse_iso8601("2026-11-21T10:15:00.250Z")) == "2026-11-21T10:15:00.250Z");
    CHECK(iso8601(*parse_iso8601("2026-11-21 05:15-0500")) == "2026-11-21T10:15:00.000Z");
    for (const char* bad :
         {"2026-11-21T10:15:00", "2026-13-01T00:00Z", "yesterday", "2026-11-21T10:15:00Zjunk", ""})
        CHECK_FALSE(parse_iso8601(bad));
}

TEST_CASE("numbers: bare, quoted, JSON pointer, booleans, NaN and junk fail", "[mqtt]") {
    CHECK(*parse_number(" 42.5\n", "") == 42.5);
    CHECK(*parse_number("\"7\"", "") == 7);
    CHECK(*parse_number("ON", "") == 1);
    CHECK(*parse_number(R"({"a": {"b": [1, "2.5"]}})", "/a/b/1") == 2.5);
    CHECK(*parse_number(R"({"on": true})", "/on") == 1);
    CHECK_FALSE(parse_number("nan", ""));
    CHECK_FALSE(parse_number("inf", ""));
    CHECK_FALSE(parse_number("12abc", ""));
    CHECK_FALSE(parse_number("", ""));
    CHECK_FALSE(parse_number(R"({"a": null})", "/a"));
    CHECK_FALSE(parse_number(R"([1,2])", "/5"));
    CHECK_FALSE(parse_number("{", "/a"));
    auto bad_pointer = parse_number(R"({"a": 1})", "a");
    REQUIRE_FALSE(bad_pointer);
    CHECK(bad_pointer.error().code == ErrorCode::invalid);
}

TEST_CASE("a payload that is not a number is quoted as printable text, every other byte escaped",
          "[mqtt]") {
    auto binary = parse_number(std::string("\xff\xfe\x01\0ok\"", 7), "");
    REQUIRE_FALSE(binary);
    CHECK(binary.error().message == R"(payload is not a number: "\xff\xfe\x01\x00ok"")");
    auto long_text = parse_number(std::string(100, 'w'), "");
    REQUIRE_FALSE(long_text);
    CHECK(long_text.error().message ==
          "payload is not a number: \"" + std::string(40, 'w') + "\"...");
    // Fit for the page's JSON as it is.
    CHECK_NOTHROW(nlohmann::json(binary.error().message).dump());
}

TEST_CASE("slots: Unix times, sorted, looked up by time", "[mqtt]") {
    auto slots = parse_slots(R"([{"start": 1700003600000, "end": 1700007200000, "price": 2},
                                 {"start": 1700000000, "end": 1700003600, "value": 1}])");
    REQUIRE(slots);
    REQUIRE(slots->size() == 2);
    CHECK(slots->front().value == 1);
    CHECK(slot_at(*slots, from_unix_ms(1700003600000))->value == 2);
    CHECK(slot_at(*slots, from_unix_ms(1699999999000)) == nullptr);
    CHECK(slot_at(*slots, from_unix_ms(1700007200000)) == nullptr);
    std::string many = "[";
    for (std::size_t i = 0; i <= kMaxSlots; ++i)
        many += (i ? "," : "") + std::string("{\"start\":") + std::to_string(1700000000 + i * 60) +
                ",\"end\":" + std::to_string(1700000060 + i * 60) + ",\"value\":1}";
    many += "]";
    CHECK_FALSE(parse_slots(many));
}

TEST_CASE("topic filters match MQTT wildcards", "[mqtt]") {
    using transport::mqtt_topic_matches;
    CHECK(mqtt_topic_matches("a/b", "a/b"));
    CHECK(mqtt_topic_matches("a/+/c", "a/x/c"));
    CHECK(mqtt_topic_matches("a/#", "a/b/c"));
    CHECK(mqtt_topic_matches("a/#", "a"));
    CHECK(mqtt_topic_matches("#", "x/y"));
    CHECK_FALSE(mqtt_topic_matches("a/b", "a/b/c"));
    CHECK_FALSE(mqtt_topic_matches("a/+", "a/b/c"));
    CHECK_FALSE(mqtt_topic_matches("a/b/c", "a/b"));
}

TEST_CASE("times outside 1970 to 2200 are refused, not overflowed", "[mqtt]") {
    CHECK_FALSE(parse_iso8601("0091-11-21T00:00:00Z"));
    CHECK_FALSE(parse_iso8601("1969-12-31T23:59:59Z"));
    CHECK_FALSE(parse_iso8601("2200-01-01T00:00:00Z"));
    CHECK(parse_iso8601("2199-12-31T23:59:59Z"));
    // Unix seconds or milliseconds past 2200 (1e13 ms is in 2286).
    CHECK_FALSE(parse_slots(R"([{"start": 1e13, "end": 2e13, "value": 1}])"));
    CHECK_FALSE(parse_slots(R"([{"start": 9e10, "end": 9.5e10, "value": 1}])"));
    // The input fuzz_mqtt_payload found: year 0091 overflowed the time point's nanoseconds.
    auto slots = parse_slots(test::fuzz_input("mqtt_payload", "crash-year-0091"));
    REQUIRE_FALSE(slots);
    CHECK_THAT(slots.error().message, Catch::Contains("not a time"));
}
