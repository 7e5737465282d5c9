// Home Assistant MQTT discovery and control through the real daemon binary and a real
// mosquitto, with a Python client (python3-paho-mqtt, tests/e2e/ha_standin.py) in Home
// Assistant's place: it checks every config against Home Assistant's rules, sends commands and
// sees them through the loop, sends the birth message; then the broker restarts (its retained
// configs lost) and they come back; then a miner is taken out of the config and its entities
// are removed.
#include <catch2/catch.hpp>
#include <csignal>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/fault_site.hpp"
#include "tests/support/journal_rows.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace hashsink::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kPrefix = "hashsink/ha-test";
const std::string kNode = "ha_site";

std::string publish_table(const Mosquitto& broker) {
    return "[publish]\nenabled = true\nbroker = \"" + broker.url() + "\"\nprefix = \"" + kPrefix +
           "\"\ninterval = \"2s\"\nhome_assistant = true\nnode_id = \"" + kNode +
           "\"\ncontrol = true\ncurrency = \"EUR\"\nclient_id = \"hashsink-ha-test\"\n";
}

// Runs one phase of the stand-in while the meter follows the miners; its output.
std::string stand_in(FaultSite& site, const DaemonChild& d, const Mosquitto& broker,
                     const std::vector<std::string>& phase) {
    const std::string out_path = d.dir + "/standin-" + phase.front() + ".log";
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     HASHSINK_SOURCE_DIR "/tests/e2e/ha_standin.py"};
    argv.insert(argv.end(), phase.begin(), phase.end());
    argv.insert(argv.end(),
                {"--port", std::to_string(broker.port()), "--prefix", kPrefix, "--node-id", kNode});
    Child python(argv, out_path);
    const auto until = std::chrono::steady_clock::now() + 150s;
    while (python.running() && std::chrono::steady_clock::now() < until) {
        site.feed();
        std::this_thread::sleep_for(100ms);
    }
    const bool finished = !python.running();
    if (!finished) python.kill(SIGKILL);
    const int code = python.wait();
    const std::string out = read_file(out_path);
    INFO("stand-in " << phase.front() << ": " << out);
    REQUIRE(finished);
    REQUIRE(code == 0);
    return out;
}

}  // namespace

TEST_CASE(
    "home assistant: every discovery config passes Home Assistant's rules, commands round-trip "
    "through the loop and are journalled, a bad one is answered on the error topic, the birth "
    "message and a broker restart bring the configs back, a removed miner loses its entities",
    "[e2e][mqtt][home_assistant]") {
    Mosquitto broker;
    REQUIRE(broker.start());
    FaultSite site;
    DaemonChild d;
    INFO("daemon log: " << d.log);
    const std::string config = site.config(d.web_port, publish_table(broker));
    start_until_mining(site, d, config);

    std::string out = stand_in(site, d, broker, {"check", "--miners", "m1,m2,m3"});
    CHECK(out.find("commands: round trips through the loop") != std::string::npos);
    CHECK(out.find("birth: every config announced again") != std::string::npos);

    // Retained configs live in the broker's memory: a restart loses them, and the daemon's
    // reconnect announces them again.
    broker.stop();
    REQUIRE(broker.start());
    out = stand_in(site, d, broker, {"reannounce", "--miners", "m1,m2,m3"});
    CHECK(out.find("configs back after the broker restart") != std::string::npos);

    // m3 taken out of the config while the daemon is down: the next start clears its configs.
    d.child->kill(SIGTERM);
    REQUIRE(d.wait_exit(20s) == 0);
    CHECK(count_rows(d.db,
                     "SELECT count(*) FROM events WHERE code = 'miner.command' AND "
                     "subject = 'm1' AND instr(message, 'override off') > 0") == 1);
    CHECK(count_rows(d.db,
                     "SELECT count(*) FROM events WHERE code = 'miner.command' AND "
                     "subject = 'm1' AND message = 'disabled (held paused)'") == 1);
    CHECK(count_rows(d.db,
                     "SELECT count(*) FROM events WHERE code = 'mqtt.command_refused' AND "
                     "instr(message, 'no miner nope') > 0") == 1);
    const std::string without_m3 = config.substr(0, config.find("[[miners]]\nid = \"m3\""));
    REQUIRE(without_m3.size() < config.size());
    d.start(without_m3);
    out = stand_in(site, d, broker, {"removed", "--miners", "m1,m2", "--gone", "m3"});
    CHECK(out.find("removed: m3 has no config") != std::string::npos);
}
