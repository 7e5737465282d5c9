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

#include "tests/support/fault_site.hpp"
#include "tests/support/heated_room.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

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
