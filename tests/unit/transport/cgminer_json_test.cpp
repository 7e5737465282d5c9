// Repairs and readers for cgminer-style replies, on text the firmware really emits.
#include <catch2/catch.hpp>

#include "adapters/transport/cgminer_client.hpp"
#include "tests/support/fixtures.hpp"

using namespace hashsink;
using namespace hashsink::transport;
using nlohmann::json;

namespace {

json parsed(std::string_view raw) {
    auto r = parse_cgminer_reply(raw, "test");
    INFO((r ? std::string() : r.error().message));
    REQUIRE(r);
    return *r;
}

std::string fixture(const std::string& name) { return test::fixture_text(name); }

}  // namespace

TEST_CASE("cgminer json: well-formed replies parse unchanged, trailing NUL dropped", "[cgminer]") {
    std::string raw = R"({"STATUS":[{"STATUS":"S","Code":11,"Msg":"Summary"}],"id":1})";
    raw.push_back('\0');
    auto j = parsed(raw);
    CHECK(j["id"] == 1);
    auto st = reply_status(j);
    CHECK(st.present);
    CHECK(st.status == "S");
    CHECK(st.code == 11);
    CHECK(check_reply(j, "summary"));
}

TEST_CASE("cgminer json: the repairs real firmware needs", "[cgminer]") {
    // Trailing comma (btminer), `}{` (bmminer), `[,{`, `""temp0` (Whatsminer 2023-01-06).
    CHECK(parsed(R"({"a":[{"x":1,},{"y":2}],})")["a"][0]["x"] == 1);
    CHECK(parsed(R"({"STATS":[{"a":1}{"b":2}],"id":1})")["STATS"][1]["b"] == 2);
    CHECK(parsed(R"({"DEVS":[,{"a":1}]})")["DEVS"][0]["a"] == 1);
    auto wm = parsed(R"({"SUMMARY":[{"Power Mode":"Normal""temp0":61}]})");
    CHECK(wm["SUMMARY"][0]["temp0"] == 61);
    // Avalon: bare inf / nan, a leading comma.
    auto av = parsed(R"({"STATS":[{"MTmax":inf,"x":nan,"y":-inf,"info":"inf"}]})");
    CHECK(av["STATS"][0]["MTmax"].is_null());
    CHECK(av["STATS"][0]["x"].is_null());
    CHECK(av["STATS"][0]["y"].is_null());
    CHECK(av["STATS"][0]["info"] == "inf");   // inside a string: untouched
    CHECK(parsed(R"(,"id":1})")["id"] == 1);
    // Raw newline inside a string.
    CHECK(parsed("{\"Msg\":\"two\nlines\"}")["Msg"] == "two lines");
    // Truncated (hundreds of error codes cut short): the complete elements are kept.
    auto cut = parsed(R"({"Msg":{"error_code":[{"110":"2023"},{"111":"2023"},{"11)");
    CHECK(cut["Msg"]["error_code"].size() == 2);
}

TEST_CASE("cgminer json: hostile input is a protocol error, never a crash", "[cgminer]") {
    for (std::string_view bad : {"", "   ", "garbage", "[1,2,3]", "\"str\"", "{{{{{{", "}}}]]]",
                                 "{\"a\":", "\x01\x02\xff"}) {
        auto r = parse_cgminer_reply(bad, "summary");
        if (r) {
            CHECK(r->is_object());   // a repair may salvage an object; never anything else
        } else {
            CHECK(r.error().code == ErrorCode::protocol);
            CHECK(r.error().message.rfind("summary: ", 0) == 0);
        }
    }
    std::string deep(100000, '[');
    CHECK_FALSE(parse_cgminer_reply(deep, "x"));
}

TEST_CASE("cgminer json: STATUS E is rejected with code and message", "[cgminer]") {
    auto j = parsed(R"({"STATUS":[{"STATUS":"E","Code":45,"Msg":"Access denied to 'config' command"}]})");
    auto st = check_reply(j, "config");
    CHECK(st.code == ErrorCode::rejected);
    CHECK_FALSE(st.retryable);
    CHECK(st.message == "config: STATUS E code 45: Access denied to 'config' command");
    // Whatsminer's envelope: STATUS is a string beside Code and Msg.
    auto wm = reply_status(parsed(R"({"STATUS":"S","When":1,"Code":131,"Msg":{"a":1}})"));
    CHECK(wm.present);
    CHECK(wm.code == 131);
    CHECK(wm.msg == R"({"a":1})");
}

TEST_CASE("cgminer json: readers tolerate type drift", "[cgminer]") {
    json o = {{"GHS 5s", "13500.25"}, {"n", 3}, {"b", "true"}, {"bad", "12abc"}, {"pct", "80%"}};
    CHECK(*json_number(o, "GHS 5s") == Approx(13500.25));
    CHECK(*json_number(o, "n") == 3);
    CHECK(*json_number(o, "pct") == 80);
    CHECK_FALSE(json_number(o, "bad"));
    CHECK_FALSE(json_number(o, "missing"));
    CHECK(*json_bool(o, "b"));
    CHECK(json_string(o, "n") == "3");
    CHECK(first_of(json::object(), "SUMMARY").is_null());
}

TEST_CASE("cgminer json: integers out of range are absent, never cast", "[cgminer]") {
    json o = {{"huge", 4.4e37},      {"tiny", -1e300}, {"int_max", 2147483647},
              {"big", 2147483648.0}, {"neg", -7.9},    {"text", "12"}};
    CHECK_FALSE(json_integer<int>(o, "huge"));
    CHECK_FALSE(json_integer<long>(o, "tiny"));
    CHECK(*json_integer<int>(o, "int_max") == 2147483647);
    CHECK_FALSE(json_integer<int>(o, "big"));
    CHECK(*json_integer<long>(o, "big") == 2147483648L);
    CHECK(*json_integer<int>(o, "neg") == -7);
    CHECK(*json_integer<int>(o, "text") == 12);
    CHECK_FALSE(to_integer<long>(9223372036854775808.0));
    CHECK(whole_number_text(3250.7) == "3250");
    CHECK(whole_number_text(-1e300) == "-1e+300");
    // A STATUS code beyond a long reads as none.
    CHECK(reply_status(json::parse(R"({"STATUS":[{"STATUS":"E","Code":1e40}]})")).code == 0);
}

TEST_CASE("cgminer json: the recorded LuxOS and bmminer replies parse", "[cgminer]") {
    auto summary = parsed(fixture("luxos/summary.json"));
    CHECK(*json_number(first_of(summary, "SUMMARY"), "GHS 5s") == Approx(59756.06));
    auto version = parsed(fixture("luxos/version.json"));
    CHECK(reply_status(version).description.rfind("LUXminer", 0) == 0);
    // The same reply as the firmware sends it: one line, NUL-terminated.
    std::string wire = parsed(fixture("luxos/power.json")).dump();
    wire.push_back('\0');
    CHECK(*json_number(first_of(parsed(wire), "POWER"), "Watts") == 1051);
}
