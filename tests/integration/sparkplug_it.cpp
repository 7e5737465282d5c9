// [sparkplug] on a real Site against a real mosquitto, with a Python primary host application
// (tests/integration/sparkplug_host.py, python3-paho-mqtt and python3-protobuf) that decodes with
// its own code generated from the same .proto: births with aliases, seq on every message and
// bdSeq on births and the will, a rebirth request, writes through the governed paths (and one
// refused), the host offline for 60 s with everything that happened meanwhile arriving as
// historical data afterwards, and NDEATH when the broker drops the node.
#include <catch2/catch.hpp>
#include <csignal>
#include <thread>

#include "daemon/app/site.hpp"
#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "tests/support/inverter_image.hpp"
#include "tests/support/mosquitto.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "tests/support/site_build.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

TEST_CASE(
    "sparkplug: births and rebirth and writes - 60 s without the primary host forwarded as "
    "historical - seq and bdSeq - NDEATH as the will",
    "[integration][sparkplug][mqtt]") {
    test::Mosquitto mosq;
    REQUIRE(mosq.start());
    sensors::sunspec::SunspecEmulator inverter;
    miners::axeos::AxeosEmulator a{{.board = "gamma", .hostname = "gamma-a"}};
    REQUIRE(inverter.start());
    REQUIRE(a.start());
    inverter.update(test::sunny_inverter(300, -200));

    // The small site, its inverter read every 200 ms and the node publishing as often: the sun
    // moving each read makes every interval's data, enough over the gap to wrap seq.
    const std::string dir = test::temp_dir();
    test::write_file(
        dir + "/site.toml",
        "[site]\nmax_draw_w = 500\nperiod = \"200ms\"\nminer_poll_interval = \"1s\"\n"
        "[web]\nenabled = false\n"
        "[sparkplug]\nenabled = true\nbroker = \"" +
            mosq.url() +
            "\"\nclient_id = \"it-spb-node\"\ngroup_id = \"it\"\nedge_node_id = \"site1\"\n"
            "primary_host_id = \"scada\"\ninterval = \"200ms\"\n"
            "[[sources]]\nid = \"inverter\"\ntype = \"sunspec\"\nhost = \"127.0.0.1\"\n"
            "poll_interval = \"200ms\"\nport = " +
            std::to_string(inverter.port()) +
            "\n[[miners]]\nid = \"a\"\ndriver = \"axeos\"\nurl = \"" + a.url() +
            "\"\n[[miners]]\nid = \"dead\"\ndriver = \"axeos\"\nurl = "
            "\"http://127.0.0.1:" +
            std::to_string(test::free_port()) + "\"\n");
    SystemClock clock;
    auto site = test::started_site(dir + "/site.toml", dir, clock);

    const std::string out_path = dir + "/host.log";
    test::Child host({"/usr/bin/python3",
                      HASHSINK_SOURCE_DIR "/tests/integration/sparkplug_host.py",
                      "--port",
                      std::to_string(mosq.port()),
                      "--generated",
                      HASHSINK_SPARKPLUG_PY,
                      "--group",
                      "it",
                      "--node",
                      "site1",
                      "--host-id",
                      "scada",
                      "--node-client-id",
                      "it-spb-node",
                      "--miner",
                      "a",
                      "--gap",
                      "60",
                      "--interval",
                      "0.5"},
                     out_path);
    const auto until = std::chrono::steady_clock::now() + 115s;
    for (int k = 0; host.running() && std::chrono::steady_clock::now() < until; ++k) {
        inverter.update(test::sunny_inverter(300 + (k % 40) * 5, -200));
        std::this_thread::sleep_for(100ms);
    }
    const bool finished = !host.running();
    if (!finished) host.kill(SIGKILL);
    const int code = host.wait();
    INFO("host application: " << test::read_file(out_path));
    REQUIRE(finished);
    CHECK(code == 0);

    // The writes went through the loop's journal; the negative limit was refused there too.
    site->journal().flush();
    bool override_journalled = false, limit_journalled = false, refusal_journalled = false;
    for (const auto& e : site->journal().recent_events(500)) {
        override_journalled |= e.code == "miner.command" && e.subject == "a";
        limit_journalled |= e.code == "site.limit";
        refusal_journalled |=
            e.code == "sparkplug.command_refused" && e.message.find("-5") != std::string::npos;
    }
    CHECK(override_journalled);
    CHECK(limit_journalled);
    CHECK(refusal_journalled);
    site->stop();
}
