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
#include "tests/support/heated_room.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace hashsink::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

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

// The value withheld, with why on the page.
bool room_stale_with_reason(const json& s) {
    const json* v = room_value(s);
    return v && (*v)["stale"] == true &&
           v->value("problem", std::string()).find("stale: last message") != std::string::npos;
}

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
    UnsafeWatch unsafe{planned_w};
    st = wait_for(
        rig, d.web_port,
        [&](const json& s) {
            return room_stale_with_reason(s) && !any_miner_told_to_run(s) &&
                   (!lost || room_down(s));
        },
        40s, [&](const json& s) { unsafe(s); });
    INFO(st.dump(2));
    REQUIRE(room_stale_with_reason(st));
    CHECK_FALSE(any_miner_told_to_run(st));
    CHECK_FALSE(unsafe.seen);
    const std::string why = lost ? (*source_in(st, "room-temp"))["last_error"].get<std::string>()
                                 : std::string("rejected room.temp_c: stale: last message");
    if (lost) CHECK(why.find("connection lost") != std::string::npos);
    check_ticks_keep_period(rig, d, 5s);
    // While frozen nothing runs again.
    st = watch_stopped(rig, d, unsafe, 3s);
    CHECK_FALSE(unsafe.seen);
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
        d.start(rig.config(d.web_port, room_sensor(mosq.url()), kRoomHeatPolicy));
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

namespace {

// The external controller and a [publish] subscriber, played by the test on the broker: answers
// every snapshot with a 300 W budget from its own thread (never inside the MQTT callback), and
// keeps the latest tick the daemon published on e2e/site/status.
class SiteController {
public:
    explicit SiteController(const std::string& broker)
        : client_(own_client_settings(broker, "e2e-controller")) {
        client_.subscribe("e2e/site/policy/snapshot", 0, [this](const transport::MqttMessage& m) {
            auto j = json::parse(m.payload, nullptr, false);
            if (j.is_object() && j["seq"].is_number_unsigned())
                latest_seq_ = j["seq"].get<std::uint64_t>();
        });
        client_.subscribe("e2e/site/status", 0, [this](const transport::MqttMessage& m) {
            auto j = json::parse(m.payload, nullptr, false);
            if (j.is_object() && j["tick"].is_number_unsigned())
                published_tick_ = j["tick"].get<std::uint64_t>();
        });
        client_.start();
        thread_ = std::thread([this] { run(); });
    }
    ~SiteController() {
        stopping_ = true;
        thread_.join();
    }
    std::uint64_t published_tick() const { return published_tick_; }

private:
    void run() {
        std::uint64_t answered = 0;
        while (!stopping_) {
            const std::uint64_t seq = latest_seq_;
            if (seq != answered && client_.connected()) {
                const json reply = {{"seq", seq}, {"budget_w", 300}, {"reason", "e2e controller"}};
                if (client_.publish("e2e/site/policy/decision", reply.dump(), 0).ok())
                    answered = seq;
            }
            std::this_thread::sleep_for(20ms);
        }
    }

    std::atomic<std::uint64_t> latest_seq_{0}, published_tick_{0};
    std::atomic<bool> stopping_{false};
    transport::MqttClient client_;  // after what its handlers write to: stopped first
    std::thread thread_;
};

// The external policy and [publish] on one broker (QoS 1, so a publish the broker never
// acknowledges fails within the connect timeout), with their own connections.
std::string external_site(FaultSite& rig, const DaemonChild& d, const std::string& url) {
    const std::string policy =
        "[policy]\nuse = \"external\"\n[policy.external]\ndeadline = \"2s\"\n"
        "prefix = \"e2e/site/policy\"\nbroker = \"" +
        url + "\"\nclient_id = \"e2e-policy\"\n";
    const std::string publish =
        "[publish]\nenabled = true\nprefix = \"e2e/site\"\ninterval = \"1s\"\n"
        "qos = 1\nbroker = \"" +
        url + "\"\nclient_id = \"e2e-publish\"\n";
    return rig.config(d.web_port, publish, policy);
}

bool following_controller(const json& s) {
    return all_mining(s) && s["decision"]["fail_safe"] == false &&
           s["decision"]["reason"].get<std::string>().find("e2e controller") != std::string::npos;
}

bool controller_silent(const json& s) {
    return s["decision"]["fail_safe"] == true &&
           s["decision"]["reason"].get<std::string>().find("external controller silent") !=
               std::string::npos &&
           !any_miner_told_to_run(s);
}

// [publish]'s health on the page.
bool publish_ok(const json& s) {
    return s.contains("publish") && s["publish"].is_object() && s["publish"]["ok"] == true;
}
// Failing: a publish the frozen broker never acknowledged.
bool publish_failing(const json& s) {
    return s.contains("publish") && s["publish"].is_object() && s["publish"]["ok"] == false &&
           s["publish"]["last_error"].get<std::string>().find("no acknowledgement") !=
               std::string::npos;
}

}  // namespace

TEST_CASE(
    "faults: the external policy and [publish] over a broker that stalls (SIGSTOP): the fleet "
    "goes to its safe state at the deadline, the loop keeps its period, and both resume after "
    "SIGCONT",
    "[e2e][faults][mqtt]") {
    FaultSite rig;
    rig.pv_w = 0;  // no sun: only the controller's budget runs the miners
    Mosquitto mosq;
    REQUIRE(mosq.running());
    SiteController controller(mosq.url());
    DaemonChild d;
    INFO("daemon log: " << d.log);
    d.start(external_site(rig, d, mosq.url()));
    json st = wait_for(
        rig, d.web_port,
        [&](const json& s) {
            // A publish tried before the first connect fails; the status says so until the
            // next publish's acknowledgement, which may come after the controller got it.
            return following_controller(s) && controller.published_tick() > 0 && publish_ok(s);
        },
        60s);
    INFO(st.dump(2));
    REQUIRE(following_controller(st));
    REQUIRE(controller.published_tick() > 0);
    CHECK(publish_ok(st));
    const double planned_w = st["planned_w"].get<double>();

    mosq.freeze(true);
    UnsafeWatch unsafe{planned_w};
    auto watch = [&](const json& s) { unsafe(s); };
    st = wait_for(rig, d.web_port, controller_silent, 30s, watch);
    REQUIRE(controller_silent(st));
    check_ticks_keep_period(rig, d, 5s);
    st = watch_stopped(rig, d, unsafe, 3s);
    CHECK(controller_silent(st));
    // [publish]: its unacknowledged publish on the page (and in the log, below).
    st = wait_for(rig, d.web_port, publish_failing, 20s, watch);
    CHECK(publish_failing(st));
    CHECK_FALSE(unsafe.seen);
    const auto tick_frozen = tick_of(st);

    mosq.freeze(false);
    st = wait_for(rig, d.web_port, following_controller, 60s);
    CHECK(following_controller(st));
    CHECK(tick_of(st) > tick_frozen);  // no restart: the tick count went on
    CHECK(eventually([&] { return controller.published_tick() > tick_frozen; }, 30s));
    st = wait_for(rig, d.web_port, publish_ok, 20s);
    CHECK(publish_ok(st));

    const std::string log = read_file(d.log);
    CHECK(log.find("safe state: external controller silent") != std::string::npos);
    CHECK(log.find("publish e2e/site/") != std::string::npos);
    CHECK(log.find("no acknowledgement") != std::string::npos);
    CHECK(log.find("publish: publishing again") != std::string::npos);
    d.child->kill(SIGTERM);
    REQUIRE(d.wait_exit(30s) == 0);
    auto events = [&](const std::string& code, const std::string& subject) {
        return count_rows(d.db, "SELECT count(*) FROM events WHERE code = '" + code +
                                    "' AND subject = '" + subject + "'");
    };
    CHECK(events("loop.fail_safe", "external") >= 1);
    CHECK(events("loop.resumed", "external") >= 1);
    CHECK(events("publish.failing", "publish") >= 1);
    CHECK(events("publish.resumed", "publish") >= 1);
}
