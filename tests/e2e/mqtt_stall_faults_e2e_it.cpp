// An MQTT broker that accepts and then stalls, through the real daemon binary: a real mosquitto
// frozen with SIGSTOP (its connections stay open, nothing is answered) and a listener that
// accepts and never sends CONNACK. The site heats a room with its miners from a temperature
// that comes over MQTT (heat_demand), so a stale temperature that still drove the miners would
// show. Every check is an outcome seen through /api/status, the log or the journal.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "adapters/transport/mqtt_client.hpp"
#include "tests/support/fault_site.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace hashsink::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

// The three miners heat one room to 21 C; nothing else runs them.
const std::string kHeatPolicy =
    "[policy]\nuse = \"heat_demand\"\n"
    "[[policy.heat_demand.zones]]\nid = \"room\"\nminers = [\"m1\", \"m2\", \"m3\"]\n"
    "temperature = \"room.temp_c\"\ncomfort_c = 21.0\nsetback_c = 21.0\nmax_power_w = 300\n"
    "min_run = \"0s\"\nmin_rest = \"0s\"\nstale_after = \"5s\"\n";

// keepalive: a `keepalive = ...` line, or "" for the default (30 s).
std::string room_sensor(const std::string& broker_url, const std::string& keepalive) {
    return "[[sources]]\nid = \"room-temp\"\ntype = \"mqtt_sensor\"\nbroker = \"" + broker_url +
           "\"\nclient_id = \"stall-daemon\"\ntopic = \"home/room/temp\"\n"
           "signal = \"room.temp_c\"\nunit = \"C\"\nmin = -40\nmax = 60\n"
           "message_max_age = \"3s\"\nmax_age = \"3s\"\n" +
           keepalive;
}

// A listener on a given loopback port that accepts every connection and never sends a byte. Its
// sockets close on exec: a daemon started meanwhile must not keep the port.
class MuteBroker {
public:
    explicit MuteBroker(int port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        int on = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(::listen(fd_, 16) == 0);
        thread_ = std::thread([this] {
            while (!stop_) {
                pollfd p{fd_, POLLIN, 0};
                if (::poll(&p, 1, 50) <= 0) continue;
                const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (c >= 0) held_.push_back(c);
                ++accepted_;
            }
        });
    }
    ~MuteBroker() {
        stop_ = true;
        thread_.join();
        for (int c : held_) ::close(c);
        ::close(fd_);
    }
    int accepted() const { return accepted_; }

private:
    int fd_;
    std::vector<int> held_;  // the accept thread's until it is joined
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::thread thread_;
};

// A thermometer of its own on the broker (it reconnects by itself when the broker returns).
struct Thermometer {
    transport::MqttClient client;
    explicit Thermometer(const std::string& broker) : client(settings(broker)) { client.start(); }
    static transport::MqttSettings settings(const std::string& broker) {
        transport::MqttSettings s;
        s.broker = broker;
        s.client_id = "stall-thermometer";
        s.status_topic.clear();
        s.keepalive = Duration{2000};
        s.min_backoff = Duration{100};
        s.max_backoff = Duration{500};
        return s;
    }
    void send(double c) {
        if (client.connected()) (void)client.publish("home/room/temp", std::to_string(c), 0);
    }
};

const json* room_value(const json& s) {
    const json* src = source_in(s, "room-temp");
    if (!src || !(*src)["values"].contains("room.temp_c")) return nullptr;
    return &(*src)["values"]["room.temp_c"];
}
bool room_fresh(const json& s) {
    const json* v = room_value(s);
    return v && (*v)["stale"] == false;
}
// The value withheld, with why on the page.
bool room_stale_with_reason(const json& s) {
    const json* v = room_value(s);
    return v && (*v)["stale"] == true &&
           v->value("problem", std::string()).find("stale: last message") != std::string::npos;
}
// The source down with its error, and its value stale or never read.
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

// Publishes a cold room while it waits for pred (bounded).
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

// Ticks counted over a window of `span` (the loop's period is 300 ms).
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

// Stops the daemon (exit 0); its journal holds at least one event of each code for the room's
// sensor.
void stop_and_check_events(DaemonChild& d, const std::vector<std::string>& codes) {
    d.child->kill(SIGTERM);
    REQUIRE(d.wait_exit(30s) == 0);
    for (const auto& code : codes)
        CHECK(count_rows(d.db, "SELECT count(*) FROM events WHERE code = '" + code +
                                   "' AND subject = 'room-temp'") >= 1);
}

// A cold room heated by all three miners from a thermometer on a real mosquitto.
struct HeatedRoom {
    FaultSite rig;
    Mosquitto mosq;
    DaemonChild d;
    Thermometer thermometer;

    explicit HeatedRoom(const std::string& keepalive) : thermometer(mosq.url()) {
        rig.pv_w = 0;  // no surplus: only the room's demand runs the miners
        REQUIRE(mosq.running());
        d.start(rig.config(d.web_port, room_sensor(mosq.url(), keepalive), kHeatPolicy));
    }
    // Until the room reads fresh and every miner heats it (bounded); the status then.
    json heat() {
        auto st = heating_wait(
            rig, d, thermometer, [](const json& s) { return room_fresh(s) && all_mining(s); }, 60s);
        INFO(st.dump(2));
        REQUIRE(room_fresh(st));
        REQUIRE(all_mining(st));
        return st;
    }
};

// A cold room heated by all three miners, then the broker frozen: the temperature is withheld
// as stale with its reason, the zone goes to its safe state and no miner is raised, the loop
// keeps its period; with `lost`, the connection is also declared lost (keepalive) and shown as
// the source's error. Then thawed: the same daemon heats again.
void freeze_and_thaw(const std::string& keepalive, bool lost) {
    HeatedRoom room(keepalive);
    FaultSite& rig = room.rig;
    DaemonChild& d = room.d;
    INFO("daemon log: " << d.log);
    json st = room.heat();
    const double planned_w = st["planned_w"].get<double>();

    // Frozen: its sockets stay open, nothing is answered.
    room.mosq.freeze(true);
    bool raised = false;
    auto never_raised = [&](const json& s) {
        raised = raised || s["planned_w"].get<double>() > planned_w + 0.5;
    };
    st = wait_for(
        rig, d.web_port,
        [&](const json& s) {
            return room_stale_with_reason(s) && !any_miner_told_to_run(s) &&
                   (!lost || room_down(s));
        },
        40s, never_raised);
    INFO(st.dump(2));
    REQUIRE(room_stale_with_reason(st));
    CHECK_FALSE(any_miner_told_to_run(st));
    CHECK_FALSE(raised);
    const std::string why = lost ? (*source_in(st, "room-temp"))["last_error"].get<std::string>()
                                 : std::string("rejected room.temp_c: stale: last message");
    if (lost) CHECK(why.find("connection lost") != std::string::npos);
    check_ticks_keep_period(rig, d, 5s);
    // While frozen nothing runs again.
    st = wait_for(
        rig, d.web_port, [](const json&) { return false; }, 3s,
        [&](const json& s) {
            never_raised(s);
            raised = raised || any_miner_told_to_run(s);
        });
    CHECK_FALSE(raised);
    CHECK(room_stale_with_reason(st));
    const auto tick_frozen = tick_of(st);

    // Thawed: the same daemon reads and heats again.
    room.mosq.freeze(false);
    st = room.heat();
    CHECK((*source_in(st, "room-temp"))["ok"] == true);
    CHECK_FALSE(room_value(st)->contains("problem"));
    CHECK(tick_of(st) > tick_frozen);  // no restart: the tick count went on

    CHECK(read_file(d.log).find(why) != std::string::npos);
    std::vector<std::string> codes = {"source.value_rejected", "source.value_ok"};
    if (lost) codes.insert(codes.end(), {"source.down", "source.up"});
    stop_and_check_events(d, codes);
}

}  // namespace

TEST_CASE(
    "faults: a broker that accepts and then stalls (SIGSTOP) with the default keepalive: "
    "the value is withheld with its reason, no miner is raised, the loop keeps its period, "
    "and it reads again after SIGCONT",
    "[e2e][faults][mqtt]") {
    freeze_and_thaw("", false);
}

TEST_CASE(
    "faults: a broker stalled (SIGSTOP) longer than a short keepalive is declared lost on "
    "the page, and the daemon reconnects after SIGCONT",
    "[e2e][faults][mqtt]") {
    freeze_and_thaw("keepalive = \"2s\"\n", true);
}

TEST_CASE("faults: SIGTERM while the broker is frozen exits 0 within seconds, the miners paused",
          "[e2e][faults][mqtt]") {
    HeatedRoom room("");
    INFO("daemon log: " << room.d.log);
    room.heat();
    room.mosq.freeze(true);
    auto st = wait_for(room.rig, room.d.web_port, room_stale_with_reason, 40s);
    REQUIRE(room_stale_with_reason(st));
    const auto asked = Steady::now();
    room.d.child->kill(SIGTERM);
    REQUIRE(room.d.wait_exit(30s) == 0);
    const double took_s = std::chrono::duration<double>(Steady::now() - asked).count();
    INFO("stopped in " << took_s << " s");
    CHECK(took_s < 10);
    for (auto& m : room.rig.miners) CHECK(m->paused());
}

TEST_CASE(
    "faults: a broker that accepts and never sends CONNACK: the loop keeps its period, "
    "nothing runs, and a real broker on the port is taken without a restart",
    "[e2e][faults][mqtt]") {
    FaultSite rig;
    rig.pv_w = 0;
    Mosquitto mosq;
    mosq.stop();  // its port, for the mute listener and then for the broker again
    DaemonChild d;
    INFO("daemon log: " << d.log);
    json st;
    bool ran = false;
    {
        MuteBroker mute(mosq.port());
        d.start(rig.config(d.web_port, room_sensor(mosq.url(), ""), kHeatPolicy));
        st = wait_for(rig, d.web_port, room_down, 40s,
                      [&](const json& s) { ran = ran || any_miner_told_to_run(s); });
        INFO(st.dump(2));
        REQUIRE(room_down(st));
        CHECK(mute.accepted() >= 1);
        check_ticks_keep_period(rig, d, 5s);
        st = wait_for(
            rig, d.web_port, [](const json&) { return false; }, 3s,
            [&](const json& s) { ran = ran || any_miner_told_to_run(s); });
        CHECK_FALSE(ran);
        CHECK(room_down(st));
    }
    const std::string why = (*source_in(st, "room-temp"))["last_error"];
    CHECK(why.find("connect") != std::string::npos);
    const auto tick_mute = tick_of(st);

    REQUIRE(mosq.start());
    Thermometer thermometer(mosq.url());
    st = heating_wait(
        rig, d, thermometer, [](const json& s) { return room_fresh(s) && all_mining(s); }, 60s);
    INFO(st.dump(2));
    CHECK(room_fresh(st));
    CHECK(all_mining(st));
    CHECK(tick_of(st) > tick_mute);

    CHECK(read_file(d.log).find(why) != std::string::npos);
    stop_and_check_events(d, {"source.down", "source.up"});
    // The reason, not only "not connected yet", is journalled.
    CHECK(count_rows(d.db,
                     "SELECT count(*) FROM events WHERE subject = 'room-temp' AND code IN "
                     "('source.down', 'source.down_reason') AND message = '" +
                         why + "'") >= 1);
}
