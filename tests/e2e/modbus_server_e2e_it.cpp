// [modbus_server] end to end: the real daemon binary with an inverter and three Bitaxe emulators
// on loopback, driven by two independent Modbus clients (mbpoll, and pymodbus through
// tests/support/modbus_manager.py). A written limit lowers the planned draw; a heartbeat that
// stops moves the site to the failsafe limit and back when it resumes; bad writes get exception
// codes; several clients at once and hostile ones (garbage, half frames, silence) neither hang
// nor crash the server. Results are read from /api/status and the journal. Every wait is bounded.
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <exception>
#include <future>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fault_site.hpp"
#include "tests/support/hostile_clients.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace hashsink::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kManager = HASHSINK_SOURCE_DIR "/tests/support/modbus_manager.py";

struct ModbusSite {
    FaultSite site;
    DaemonChild daemon;
    int port = free_port();

    // `keys`: [modbus_server] keys besides listen.
    explicit ModbusSite(const std::string& keys) {
        const std::string extra =
            "[modbus_server]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n" + keys;
        start_until_mining(site, daemon, site.config(daemon.web_port, extra));
        REQUIRE(wait_for_port(port, 5s));
    }
    ~ModbusSite() {
        daemon.child->kill(SIGTERM);
        const int exit_code = daemon.wait_exit(30s);
        if (std::uncaught_exceptions() == 0) CHECK(exit_code == 0);
    }
    json until(const std::function<bool(const json&)>& pred, std::chrono::seconds limit = 15s) {
        return wait_for(site, daemon.web_port, pred, limit);
    }
    json manager(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"/usr/bin/python3", kManager, std::to_string(port)};
        argv.insert(argv.end(), args.begin(), args.end());
        const auto r = run(argv, 30);
        INFO("pymodbus: " << r.out << r.err);
        REQUIRE(r.exit_code == 0);
        return json::parse(r.out.substr(0, r.out.find('\n')));
    }
    // mbpoll with PDU addresses (-0), once (-1); `args` are its type, reference and values.
    RunResult mbpoll(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {
            "mbpoll", "-m", "tcp", "-a", "1", "-p", std::to_string(port), "-0", "-1", "-o", "2"};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv, 30);
    }
    // Journalled site.limit events whose message holds `text`, once there are `wanted` (the
    // writer commits within 500 ms) or after 5 s.
    std::int64_t events(const std::string& text, std::int64_t wanted = 1) {
        const auto until = std::chrono::steady_clock::now() + 5s;
        for (;;) {
            const auto n = count_rows(daemon.db,
                                      "SELECT count(*) FROM events WHERE code = 'site.limit' AND "
                                      "message LIKE '%" +
                                          text + "%'");
            if (n >= wanted || std::chrono::steady_clock::now() > until) return n;
            std::this_thread::sleep_for(100ms);
        }
    }
};

const json& modbus_limit(const json& s) {
    static const json kNone;
    if (!s.contains("site_limit") || !s["site_limit"]["sources"].contains("modbus")) return kNone;
    return s["site_limit"]["sources"]["modbus"];
}

double planned(const json& s) { return s.value("planned_w", 1e9); }

// The value mbpoll printed for reference `ref` ("[ref]: \t<value>").
std::string mbpoll_value(const std::string& out, int ref) {
    const std::string tag = "[" + std::to_string(ref) + "]:";
    auto at = out.find(tag);
    if (at == std::string::npos) return "";
    at = out.find_first_not_of(" \t", at + tag.size());
    return out.substr(at, out.find_first_of(" \n", at) - at);
}

}  // namespace

TEST_CASE(
    "modbus server: a limit written by mbpoll lowers the planned draw and pymodbus reads it back") {
    ModbusSite rig("heartbeat_timeout = \"0s\"\n");
    const json mining = rig.until([](const json& s) { return all_mining(s); });
    const double before = planned(mining);
    INFO("planned before: " << before);
    REQUIRE(before > 20);
    const int limit = static_cast<int>(before / 2);

    // mbpoll reads the site block: the map's version, three miners.
    auto read = rig.mbpoll({"-t", "3", "-r", "0", "-c", "6", "127.0.0.1"});
    INFO(read.out << read.err);
    REQUIRE(read.exit_code == 0);
    CHECK(mbpoll_value(read.out, 0) == "1");
    CHECK(mbpoll_value(read.out, 2) == "3");

    // The limit as one 32-bit write, high word first (-B), at holding 100.
    auto wrote = rig.mbpoll({"-t", "4:int", "-B", "-r", "100", "127.0.0.1", std::to_string(limit)});
    INFO(wrote.out << wrote.err);
    REQUIRE(wrote.exit_code == 0);
    const json limited = rig.until(
        [&](const json& s) { return modbus_limit(s).is_object() && planned(s) <= limit + 0.5; });
    INFO(limited.dump(2));
    CHECK(planned(limited) <= limit + 0.5);
    CHECK(limited["site_limit"]["limit_w"] == limit);
    CHECK(modbus_limit(limited)["note"].get<std::string>().find("127.0.0.1") != std::string::npos);

    // pymodbus reads back the holding registers and the input block.
    const json holding = rig.manager({"holding", "100", "7"});
    INFO(holding.dump());
    CHECK(holding["registers"] == json({limit >> 16, limit & 0xFFFF, 1, 0, 0, 0, 0}));
    const json input = rig.manager({"input", "0", "24"});
    INFO(input.dump());
    const auto& r = input["registers"];
    CHECK(r[5] == 1);                                             // the Modbus limit in force
    CHECK((r[12].get<int>() << 16 | r[13].get<int>()) == limit);  // the site limit
    CHECK((r[8].get<int>() << 16 | r[9].get<int>()) <= limit);    // the planned draw

    // enable = 0 clears it: the fleet may plan more again.
    CHECK(rig.manager({"write", "102", "0"}) == json({{"ok", true}}));
    const json cleared = rig.until([](const json& s) { return !modbus_limit(s).is_object(); });
    CHECK_FALSE(modbus_limit(cleared).is_object());
    CHECK(rig.events("", 2) >= 2);  // set, then cleared
}

TEST_CASE("modbus server: a lapsed heartbeat moves the site to the failsafe limit") {
    ModbusSite rig("heartbeat_timeout = \"2s\"\nfailsafe_limit_w = 0\n");
    CHECK(rig.manager({"limit", "400"}) == json({{"ok", true}}));
    // Heartbeats every 300 ms for 4 s: longer than the timeout, the limit stays in force.
    const json beats = rig.manager({"heartbeat", "4", "300"});
    CHECK(beats["ok"] == true);
    CHECK(beats["writes"] >= 8);
    const json kept = rig.until([](const json& s) { return modbus_limit(s).is_object(); });
    INFO(kept.dump(2));
    CHECK(modbus_limit(kept)["lapsed"] == false);
    CHECK(all_mining(kept));

    // Silence: within the timeout and a tick the failsafe (0 W) applies and every miner pauses.
    const json lapsed = rig.until(
        [](const json& s) { return modbus_limit(s).value("lapsed", false) && planned(s) == 0; });
    INFO(lapsed.dump(2));
    CHECK(modbus_limit(lapsed)["lapsed"] == true);
    CHECK(lapsed["site_limit"]["limit_w"] == 0);
    CHECK(planned(lapsed) == 0);
    const json regs = rig.manager({"input", "0", "24"});
    CHECK(regs["registers"][5] == 2);  // lapsed
    CHECK(rig.events("lapse") >= 1);
    CHECK(read_file(rig.daemon.log).find("lapse") != std::string::npos);

    // The manager is back: one heartbeat restores its limit and the fleet mines again.
    CHECK(rig.manager({"heartbeat", "1", "300"})["ok"] == true);
    const json back = rig.until([](const json& s) {
        return modbus_limit(s).is_object() && !modbus_limit(s)["lapsed"].get<bool>() &&
               planned(s) > 0;
    });
    INFO(back.dump(2));
    CHECK(modbus_limit(back)["lapsed"] == false);
    CHECK(planned(back) > 0);
}

TEST_CASE("modbus server: bad writes get exception codes and change nothing") {
    ModbusSite rig("");
    // pymodbus: 2 = ILLEGAL DATA ADDRESS, 3 = ILLEGAL DATA VALUE, 1 = ILLEGAL FUNCTION.
    CHECK(rig.manager({"write", "0", "5"}) == json({{"exception", 2}}));         // no such register
    CHECK(rig.manager({"write", "104", "5"}) == json({{"exception", 2}}));       // read-only
    CHECK(rig.manager({"write", "100", "5"}) == json({{"exception", 2}}));       // half the limit
    CHECK(rig.manager({"write", "101", "5", "1"}) == json({{"exception", 2}}));  // split limit
    CHECK(rig.manager({"write", "102", "7"}) == json({{"exception", 3}}));       // enable 0/1
    CHECK(rig.manager({"write", "102", "1"}) == json({{"exception", 3}}));       // no limit yet
    CHECK(rig.manager({"limit", "200000000"}) == json({{"exception", 3}}));      // above 100 MW
    CHECK(rig.manager({"input", "200", "4"}) == json({{"exception", 2}}));       // no 11th miner
    CHECK(rig.manager({"holding", "0", "2"}) == json({{"exception", 2}}));

    // mbpoll sees the same, by name.
    auto address = rig.mbpoll({"-t", "4", "-r", "0", "127.0.0.1", "5"});
    CHECK(address.exit_code != 0);
    CHECK((address.out + address.err).find("Illegal data address") != std::string::npos);
    auto value = rig.mbpoll({"-t", "4", "-r", "102", "127.0.0.1", "9"});
    CHECK(value.exit_code != 0);
    CHECK((value.out + value.err).find("Illegal data value") != std::string::npos);

    // Nothing was limited, and the daemon still runs and ticks.
    const json s = rig.until([](const json& st) { return all_mining(st); });
    CHECK_FALSE(modbus_limit(s).is_object());
    CHECK(rig.daemon.child->running());
    std::this_thread::sleep_for(1s);  // what a refused write might have journalled is committed
    CHECK(rig.events("", 0) == 0);
}

TEST_CASE(
    "modbus server: several clients are served at once beside garbage and half frames and silent "
    "sockets") {
    ModbusSite rig("max_clients = 16\n");
    // Hostile: garbage, a frame cut in half then silence, and idle connections.
    const int garbage = connect_loopback(rig.port, 2s);
    const int half = connect_loopback(rig.port, 2s);
    REQUIRE(garbage >= 0);
    REQUIRE(half >= 0);
    const std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n\xff\xff\xff";
    CHECK(::send(garbage, junk.data(), junk.size(), MSG_NOSIGNAL) > 0);
    const unsigned char head[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01, 0x04};  // of 12
    CHECK(::send(half, head, sizeof head, MSG_NOSIGNAL) == sizeof head);
    HeldConnections idle(rig.port, 3, false);
    REQUIRE(idle.opened() == 3);
    HeldConnections drip(rig.port, 2, true, 300ms);  // slowloris: a byte every 300 ms
    REQUIRE(drip.opened() == 2);

    // Four pymodbus managers and mbpoll, all at once, each served in full.
    std::vector<std::future<json>> polls;
    for (int i = 0; i < 4; ++i)
        polls.push_back(std::async(std::launch::async, [&] {
            return rig.manager({"poll", "50"});
        }));
    auto mb = rig.mbpoll({"-t", "3", "-r", "0", "-c", "24", "127.0.0.1"});
    INFO(mb.out << mb.err);
    CHECK(mb.exit_code == 0);
    for (auto& p : polls) CHECK(p.get() == json({{"ok", true}, {"reads", 50}}));

    // The garbage, the half frame and the drip were dropped (a frame has 2 s), not waited on.
    auto closed = [](int fd) {
        timeval tv{4, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char b[64];
        return ::recv(fd, b, sizeof b, 0) == 0;
    };
    CHECK(closed(garbage));
    CHECK(closed(half));
    const auto drip_limit = std::chrono::steady_clock::now() + 5s;
    while (drip.closed_by_server() < 2 && std::chrono::steady_clock::now() < drip_limit)
        std::this_thread::sleep_for(100ms);
    CHECK(drip.closed_by_server() == 2);
    CHECK(idle.closed_by_server() == 0);  // silent, but not for idle_timeout yet
    ::close(garbage);
    ::close(half);
    const json s = rig.until([](const json& st) { return all_mining(st); });
    CHECK(all_mining(s));
    CHECK(rig.daemon.child->running());
}
