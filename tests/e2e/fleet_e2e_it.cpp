// A fleet of three sites over a bridged broker, as docs/fleet.md sets it up: three real daemons
// publish to their site's mosquitto, which bridges to a central mosquitto (QoS 1, a persistent
// session) through a TCP link the test can cut; `hashsink fleet` watches the central broker.
// The link is cut for 60 s, a curtailment is sent meanwhile; when the link returns, every site
// acknowledges it within 5 s and carries it out through its governor, and every status message
// published during the cut reaches the central broker.
#include <catch2/catch.hpp>
#include <csignal>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/transport/mqtt_client.hpp"
#include "tests/support/fault_site.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "tests/support/web_client.hpp"

using namespace hashsink;
using namespace hashsink::test;
using namespace std::chrono_literals;
using nlohmann::json;
using Steady = std::chrono::steady_clock;

namespace {

const std::vector<std::string> kSites = {"s1", "s2", "s3"};

// Every (site, tick) status seen on one broker.
struct StatusLog {
    std::mutex mutex;
    std::set<std::pair<std::string, std::uint64_t>> seen;
    std::unique_ptr<transport::MqttClient> client;

    StatusLog(const Mosquitto& broker, const std::string& id) {
        transport::MqttSettings s;
        s.broker = broker.url();
        s.client_id = id;
        s.status_topic = "test/" + id;
        client = std::make_unique<transport::MqttClient>(s);
        client->subscribe("hashsink/site/+/status", 1, [this](const transport::MqttMessage& m) {
            json j = json::parse(m.payload, nullptr, false);
            if (!j.is_object() || !j.contains("tick") || !j.contains("site")) return;
            std::lock_guard lock(mutex);
            seen.emplace(j["site"].get<std::string>(), j["tick"].get<std::uint64_t>());
        });
        client->start();
    }
    std::set<std::pair<std::string, std::uint64_t>> copy() {
        std::lock_guard lock(mutex);
        return seen;
    }
};

std::string bridge_config(int link_port) {
    return "allow_anonymous true\nmax_queued_messages 100000\n"
           "connection central\naddress 127.0.0.1:" +
           std::to_string(link_port) +
           "\ntopic hashsink/site/# out 1\ntopic hashsink/fleet/command in 1\n"
           "cleansession false\nclientid site-bridge\nrestart_timeout 1 2\n"
           "keepalive_interval 5\nstart_type automatic\n";
}

std::string publish_table(const Mosquitto& broker, const std::string& site) {
    return "[publish]\nenabled = true\nbroker = \"" + broker.url() +
           "\"\nprefix = \"hashsink/site/" + site +
           "\"\ninterval = \"1s\"\nqos = 1\nfleet_commands = true\nclient_id = \"hashsink-" + site +
           "\"\nstatus_topic = \"hashsink/site/" + site + "/online\"\n";
}

std::unique_ptr<Child> start_link(int port, int target, const std::string& dir) {
    auto link = std::make_unique<Child>(
        std::vector<std::string>{"/usr/bin/python3", HASHSINK_SOURCE_DIR "/tests/e2e/tcp_link.py",
                                 std::to_string(port), std::to_string(target)},
        dir + "/link.log");
    REQUIRE(wait_for_port(port, 10s));
    return link;
}

}  // namespace

TEST_CASE(
    "fleet: three sites over a bridged broker, the link cut for 60 s, a curtailment sent "
    "meanwhile is acknowledged by every site within 5 s of the link returning and no QoS 1 "
    "status is lost",
    "[e2e][mqtt][fleet]") {
    Mosquitto central;
    REQUIRE(central.start());
    const int link_port = free_port();
    const std::string dir = temp_dir();
    auto link = start_link(link_port, central.port(), dir);
    Mosquitto site_broker(bridge_config(link_port));
    REQUIRE(site_broker.start());

    std::vector<std::unique_ptr<FaultSite>> sites;
    std::vector<std::unique_ptr<DaemonChild>> daemons;
    for (const auto& id : kSites) {
        sites.push_back(std::make_unique<FaultSite>());
        daemons.push_back(std::make_unique<DaemonChild>());
        INFO("daemon " << id << " log: " << daemons.back()->log);
        start_until_mining(
            *sites.back(), *daemons.back(),
            sites.back()->config(daemons.back()->web_port, publish_table(site_broker, id)));
    }
    auto feed_all = [&] {
        for (auto& s : sites) s->feed();
    };

    const int fleet_port = free_port();
    Child fleet({HASHSINK_BINARY, "fleet", "--broker", central.url(), "--sites", "hashsink/site/+",
                 "--listen", "127.0.0.1:" + std::to_string(fleet_port), "--stale-after", "90s"},
                dir + "/fleet.log");
    INFO("fleet log: " << dir << "/fleet.log; site broker: " << site_broker.dir()
                       << "/mosquitto.log");
    REQUIRE(wait_for_port(fleet_port, 10s));
    auto fleet_view = [&]() { return get_json(fleet_port, "/api/fleet", 5s).value_or(json()); };
    auto until = Steady::now() + 30s;
    while (fleet_view()["sites"].size() < kSites.size() && Steady::now() < until) {
        feed_all();
        std::this_thread::sleep_for(200ms);
    }
    REQUIRE(fleet_view()["sites"].size() == kSites.size());

    StatusLog at_site(site_broker, "log-site"), at_central(central, "log-central");
    std::this_thread::sleep_for(3s);

    // The uplink goes down for 60 s; 5 s in, the control room curtails the fleet.
    link->kill(SIGKILL);
    link->wait();
    const auto cut = Steady::now();
    while (Steady::now() < cut + 5s) {
        feed_all();
        std::this_thread::sleep_for(200ms);
    }
    httplib::Client http("127.0.0.1", fleet_port);
    auto sent = http.Post("/api/fleet/command", json{{"curtail_kw", 0.03}, {"minutes", 30}}.dump(),
                          "application/json");
    REQUIRE(sent);
    INFO("command: " << sent->body);
    REQUIRE(sent->status == 200);
    const std::string command_id = json::parse(sent->body)["id"];
    while (Steady::now() < cut + 60s) {
        feed_all();
        std::this_thread::sleep_for(200ms);
    }
    for (auto& d : daemons)  // still running on its own, unacknowledged
        CHECK(get_json(d->web_port, "/api/status", 5s).value()["site_limit"]["limit_w"] ==
              json(sites.front()->max_draw_w));
    CHECK(fleet_view()["command"]["acknowledged"] == 0);

    link = start_link(link_port, central.port(), dir);
    const auto back = Steady::now();
    json view;
    while (Steady::now() < back + 15s) {
        view = fleet_view();
        if (view["command"]["acknowledged"] == kSites.size()) break;
        feed_all();
        std::this_thread::sleep_for(100ms);
    }
    const double ack_s = std::chrono::duration<double>(Steady::now() - back).count();
    INFO("fleet view: " << view.dump());
    REQUIRE(view["command"]["id"] == command_id);
    REQUIRE(view["command"]["acknowledged"] == kSites.size());
    CHECK(ack_s <= 5.0);
    WARN("every site acknowledged " << ack_s << " s after the link returned");

    // Each site carries its share out through its own governor.
    for (std::size_t i = 0; i < daemons.size(); ++i) {
        json s = wait_for(
            *sites[i], daemons[i]->web_port,
            [](const json& st) {
                return st["site_limit"]["sources"].contains("fleet") &&
                       st["planned_w"].get<double>() <=
                           st["site_limit"]["sources"]["fleet"]["limit_w"].get<double>() + 1e-6;
            },
            20s);
        CHECK(s["site_limit"]["sources"]["fleet"]["note"] == "fleet command " + command_id);
    }

    // Every status the sites published reached the central broker, the cut's included.
    const auto published = at_site.copy();
    until = Steady::now() + 30s;
    std::set<std::pair<std::string, std::uint64_t>> missing;
    do {
        feed_all();
        std::this_thread::sleep_for(500ms);
        const auto received = at_central.copy();
        missing.clear();
        for (const auto& p : published)
            if (!received.count(p)) missing.insert(p);
    } while (!missing.empty() && Steady::now() < until);
    INFO(missing.size() << " of " << published.size() << " statuses missing at the centre");
    CHECK(published.size() >= 3 * 55);  // about one a second per site, through the cut
    CHECK(missing.empty());
}
