#include "tests/support/heated_room.hpp"

#include <signal.h>

#include <catch2/catch.hpp>

#include "tests/support/journal_rows.hpp"
#include "tests/support/wait.hpp"

namespace hashsink::test {

using nlohmann::json;
using Steady = std::chrono::steady_clock;
using namespace std::chrono_literals;

const std::string kRoomHeatPolicy =
    "[policy]\nuse = \"heat_demand\"\n"
    "[[policy.heat_demand.zones]]\nid = \"room\"\nminers = [\"m1\", \"m2\", \"m3\"]\n"
    "temperature = \"room.temp_c\"\ncomfort_c = 21.0\nsetback_c = 21.0\nmax_power_w = 300\n"
    "min_run = \"0s\"\nmin_rest = \"0s\"\nstale_after = \"5s\"\n";

std::string room_sensor(const std::string& broker_url, const std::string& extra) {
    return "[[sources]]\nid = \"room-temp\"\ntype = \"mqtt_sensor\"\nbroker = \"" + broker_url +
           "\"\nclient_id = \"room-daemon\"\ntopic = \"home/room/temp\"\n"
           "signal = \"room.temp_c\"\nunit = \"C\"\nmin = -40\nmax = 60\n"
           "message_max_age = \"3s\"\nmax_age = \"3s\"\n" +
           extra;
}

transport::MqttSettings own_client_settings(const std::string& broker,
                                            const std::string& client_id) {
    transport::MqttSettings s;
    s.broker = broker;
    s.client_id = client_id;
    s.status_topic.clear();
    s.keepalive = Duration{2000};
    s.min_backoff = Duration{100};
    s.max_backoff = Duration{500};
    return s;
}

Thermometer::Thermometer(const std::string& broker)
    : client(own_client_settings(broker, "room-thermometer")) {
    client.start();
}

void Thermometer::send(double c) {
    const std::string payload = json_key.empty() ? std::to_string(c) : json{{json_key, c}}.dump();
    if (client.connected()) (void)client.publish("home/room/temp", payload, 0);
}

void Thermometer::publish(const std::string& payload, bool retained) {
    REQUIRE(eventually([&] { return client.connected(); }, 15s));
    const Status st = client.publish("home/room/temp", payload, 1, retained);
    INFO(st.message);
    REQUIRE(st.ok());
}

const json* room_value(const json& s) {
    const json* src = source_in(s, "room-temp");
    if (!src || !(*src)["values"].contains("room.temp_c")) return nullptr;
    return &(*src)["values"]["room.temp_c"];
}

bool room_fresh(const json& s) {
    const json* v = room_value(s);
    return v && (*v)["stale"] == false;
}

bool room_down(const json& s) {
    const json* src = source_in(s, "room-temp");
    return src && (*src)["ok"] == false && !(*src)["last_error"].get<std::string>().empty() &&
           !room_fresh(s);
}

bool any_miner_told_to_run(const json& s) {
    for (const char* id : {"m1", "m2", "m3"}) {
        const json* m = miner_in(s, id);
        if (m && (*m)["target"]["run"] == true) return true;
    }
    return false;
}

void UnsafeWatch::operator()(const json& s) {
    seen = seen || s["planned_w"].get<double>() > planned_w + 0.5 ||
           (stopped && any_miner_told_to_run(s));
}

json watch_stopped(FaultSite& rig, DaemonChild& d, UnsafeWatch& watch, std::chrono::seconds span) {
    watch.stopped = true;
    return wait_for(
        rig, d.web_port, [](const json&) { return false; }, span, [&](const json& s) { watch(s); });
}

json heating_wait(FaultSite& rig, DaemonChild& d, Thermometer& t,
                  const std::function<bool(const json&)>& pred, std::chrono::seconds limit) {
    const auto until = Steady::now() + limit;
    json last;
    while (Steady::now() < until) {
        t.send(15.0);
        last = wait_for(rig, d.web_port, pred, 1s);
        if (pred(last)) break;
    }
    return last;
}

void check_ticks_keep_period(FaultSite& rig, DaemonChild& d, std::chrono::seconds span) {
    auto first = status_of(d.web_port);
    REQUIRE(first);
    const auto t0 = Steady::now();
    auto st = wait_for(
        rig, d.web_port, [](const json&) { return false; }, span);
    const double elapsed_s = std::chrono::duration<double>(Steady::now() - t0).count();
    const double ticks = static_cast<double>(tick_of(st) - tick_of(*first));
    INFO(ticks << " ticks in " << elapsed_s << " s");
    CHECK(ticks >= 0.7 * elapsed_s / 0.3);
}

void stop_and_check_events(DaemonChild& d, const std::vector<std::string>& codes) {
    d.child->kill(SIGTERM);
    REQUIRE(d.wait_exit(30s) == 0);
    for (const auto& code : codes)
        CHECK(count_rows(d.db, "SELECT count(*) FROM events WHERE code = '" + code +
                                   "' AND subject = 'room-temp'") >= 1);
}

HeatedRoom::HeatedRoom(const std::string& sensor_extra,
                       const std::function<void(Thermometer&)>& before_start)
    : thermometer(mosq.url()) {
    rig.pv_w = 0;  // no surplus: only the room's demand runs the miners
    REQUIRE(mosq.running());
    if (before_start) before_start(thermometer);
    d.start(rig.config(d.web_port, room_sensor(mosq.url(), sensor_extra), kRoomHeatPolicy));
}

json HeatedRoom::heat() {
    auto st = heating_wait(
        rig, d, thermometer, [](const json& s) { return room_fresh(s) && all_mining(s); }, 60s);
    INFO(st.dump(2));
    REQUIRE(room_fresh(st));
    REQUIRE(all_mining(st));
    return st;
}

}  // namespace hashsink::test
