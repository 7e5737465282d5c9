// Garbage on a subscribed MQTT topic, through the real daemon binary and a real mosquitto: NaN,
// infinities, text, binary bytes, bad JSON, out-of-range numbers and a 1 MB payload, left retained
// before the daemon starts (the first thing it gets is garbage) and published live after good
// values. The site heats a room with its miners from that temperature (heat_demand, no sun), so
// garbage taken as a value would run them. Every check is an outcome seen through /api/status,
// the log or the journal.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tests/support/fault_site.hpp"
#include "tests/support/heated_room.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace hashsink::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Garbage {
    std::string payload;
    std::string why;  // what the page, the log and the journal say about it
};

// The room's temperature refused, with `why` on the page (in `rejected`, and as the value's
// problem once a good value came before).
bool room_refused(const json& s, const std::string& why) {
    const json* src = source_in(s, "room-temp");
    if (!src || !(*src)["rejected"].contains("room.temp_c")) return false;
    if ((*src)["rejected"]["room.temp_c"].get<std::string>().find(why) == std::string::npos)
        return false;
    const json* v = room_value(s);
    return !v || v->value("problem", std::string()).find(why) != std::string::npos;
}

// Nothing fresh to heat on: never read, or withheld and stale.
bool room_withheld(const json& s, const std::string& why) {
    return room_refused(s, why) && !room_fresh(s);
}

// The refusal of `g` shows on the page and no miner is told to run once the last good value is
// stale (within 30 s); `planned_w` is never exceeded meanwhile. Then the loop keeps its
// period and nothing runs while the garbage stays. The status then.
json check_refused(HeatedRoom& room, const Garbage& g, double planned_w) {
    INFO("garbage: "
         << json(g.payload.substr(0, 40)).dump(-1, ' ', true, json::error_handler_t::replace));
    UnsafeWatch unsafe{planned_w};
    json st = wait_for(
        room.rig, room.d.web_port,
        [&](const json& s) { return room_withheld(s, g.why) && !any_miner_told_to_run(s); }, 30s,
        [&](const json& s) { unsafe(s); });
    INFO(st.dump(2));
    REQUIRE(room_withheld(st, g.why));
    CHECK_FALSE(any_miner_told_to_run(st));
    check_ticks_keep_period(room.rig, room.d, 3s);
    st = watch_stopped(room.rig, room.d, unsafe, 2s);
    CHECK_FALSE(unsafe.seen);
    CHECK(room_withheld(st, g.why));
    return st;
}

// A good value again: the same process heats, the refusal gone from the page.
void check_recovers(HeatedRoom& room, std::uint64_t tick_before) {
    json st = room.heat();
    const json* src = source_in(st, "room-temp");
    CHECK((*src)["rejected"].empty());
    CHECK_FALSE(room_value(st)->contains("problem"));
    CHECK(tick_of(st) > tick_before);  // no restart: the tick count went on
}

// The log names each refusal; after a clean stop the journal holds a source.value_rejected event
// for each and a source.value_ok for the way back.
void check_log_and_events(HeatedRoom& room, const std::vector<Garbage>& kinds) {
    const std::string log = read_file(room.d.log);
    for (const auto& g : kinds) {
        INFO(g.why);
        CHECK(log.find("room-temp: rejected room.temp_c: " + g.why) != std::string::npos);
    }
    stop_and_check_events(room.d, {"source.value_rejected", "source.value_ok"});
    for (const auto& g : kinds)
        CHECK(count_rows(room.d.db,
                         "SELECT count(*) FROM events WHERE code = 'source.value_rejected' AND "
                         "subject = 'room-temp' AND instr(message, '" +
                             g.why + "') > 0") >= 1);
}

// `first` left retained on the topic before the daemon starts: nothing ever runs on it and it is
// refused on the page; then a good value is taken. Then each of `live` after a good value:
// refused, the miners stopped once the last good value is stale, and heating again on a good one.
// json_key: the sensor reads /<json_key> of a JSON object (empty: a bare number). The daemon's
// log.
std::string garbage_first_then_live(const std::string& json_key, const Garbage& first,
                                    const std::vector<Garbage>& live) {
    const std::string pointer = json_key.empty() ? "" : "json_pointer = \"/" + json_key + "\"\n";
    HeatedRoom room(pointer, [&](Thermometer& t) { t.publish(first.payload, true); });
    room.thermometer.json_key = json_key;
    INFO("daemon log: " << room.d.log);
    // From the first status on, nothing runs and nothing is planned.
    json st = check_refused(room, first, 0.0);
    CHECK(source_in(st, "room-temp")->value("ok", false));  // the connection itself is fine
    check_recovers(room, tick_of(st));

    for (const auto& g : live) {
        const double planned_w = room.heat()["planned_w"].get<double>();
        room.thermometer.publish(g.payload, false);
        st = check_refused(room, g, planned_w);
        check_recovers(room, tick_of(st));
    }
    std::vector<Garbage> all = {first};
    all.insert(all.end(), live.begin(), live.end());
    check_log_and_events(room, all);
    return read_file(room.d.log);
}

}  // namespace

TEST_CASE(
    "mqtt garbage: bare payloads (binary bytes retained before the start, then NaN, inf, text "
    "and out of range live) are refused on the page, in the log and journal, no miner runs on "
    "them, the loop keeps its period, and a good value is taken again",
    "[e2e][faults][mqtt]") {
    garbage_first_then_live(
        "", {"\xff\xfe\x01garbage", R"(payload is not a number: "\xff\xfe\x01garbage")"},
        {{"NaN", "payload is not a finite number"},
         {"-inf", "payload is not a finite number"},
         {"warm", "payload is not a number: \"warm\""},
         {"99", "out of range: 99 C"}});
}

TEST_CASE(
    "mqtt garbage: JSON payloads (NaN retained before the start, then a string, cut JSON, a "
    "missing key and out of range live) are refused with their reason, no miner runs on them, "
    "and a good value is taken again",
    "[e2e][faults][mqtt]") {
    garbage_first_then_live(
        "temperature", {R"({"temperature": NaN})", "payload is not JSON"},
        {{R"({"temperature": "warm"})", "value at /temperature is not a number"},
         {R"({"temperature": 15)", "payload is not JSON"},
         {R"({"humidity": 15})", "no value at /temperature"},
         {R"({"temperature": -41})", "out of range: -41 C"}});
}

TEST_CASE(
    "mqtt garbage: 1 MB retained before the start, and 1 MB live that would read as a cold "
    "room, are refused unread over the 64 KiB limit, nothing runs on them, and the next value is "
    "taken",
    "[e2e][faults][mqtt]") {
    const std::string why = "payload of 1048576 bytes is over the limit of 65536";
    const std::size_t mb = std::size_t{1} << 20;
    // Spaces around a number are allowed: read whole, this would be a cold room (15 C).
    std::string cold = std::string(mb - 4, ' ') + "15.0";
    const std::string log =
        garbage_first_then_live("", {std::string(mb, '\xff'), why}, {{cold, why}});
    CHECK(log.size() < 64 * 1024);  // the payload is not echoed into the log
}
