// `hashsink probe miner` and `hashsink emulate axeos` as subprocesses.
#include <catch2/catch.hpp>

#include <httplib.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "tests/support/cli_output.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace hashsink::test;

TEST_CASE("axeos probe miner: prints the normalised state as JSON", "[axeos]") {
    miners::axeos::AxeosEmulator emu;
    REQUIRE(emu.start());
    auto r = run({HASHSINK_BINARY, "probe", "miner", "--url", emu.url()}, 30);
    auto j = json_out(r);
    REQUIRE(j.is_object());
    CHECK(j["driver"] == "axeos");
    CHECK(j["state"] == "mining");
    CHECK(j["online"] == true);
    CHECK(j["model"] == "Gamma BM1370 board 601");
    CHECK(j["frequency_mhz"] == 490.0);
    CHECK(j["core_voltage_mv"] == 1200.0);
    CHECK(j["power_w"].is_number());
    CHECK(j["caps"]["can_pause"] == true);
    CHECK(j["caps"]["levels"].size() == 6);
    CHECK(j["caps"]["nominal_level"] == 5);
}

TEST_CASE("axeos probe miner: unreachable and unrecognised exit 69", "[axeos]") {
    auto r = run({HASHSINK_BINARY, "probe", "miner", "--url",
                  "http://127.0.0.1:" + std::to_string(free_port()), "--timeout", "500ms"}, 30);
    CHECK(r.exit_code == 69);
    CHECK(r.err.find("cannot connect") != std::string::npos);
    CHECK(r.out.empty());
    // Something that answers, but not as AxeOS does.
    httplib::Server other;
    other.Get("/api/system/info", [](const httplib::Request&, httplib::Response& res) {
        res.set_content(R"({"model":"something else"})", "application/json");
    });
    const int port = other.bind_to_any_port("127.0.0.1");
    std::thread serving([&] { other.listen_after_bind(); });
    REQUIRE(wait_for_port(port));
    auto foreign = run({HASHSINK_BINARY, "probe", "miner", "--url",
                        "http://127.0.0.1:" + std::to_string(port)}, 30);
    other.stop();
    serving.join();
    CHECK(foreign.exit_code == 69);
    CHECK(foreign.err.find("no ASICModel") != std::string::npos);
    auto usage = run({HASHSINK_BINARY, "probe", "miner"}, 30);
    CHECK(usage.exit_code == 64);
    auto help = run({HASHSINK_BINARY, "probe", "miner", "--help"}, 30);
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--url") != std::string::npos);
}

TEST_CASE("axeos emulate axeos: serves until SIGTERM, probe finds it", "[axeos]") {
    const int port = free_port();
    const std::string dir = temp_dir();
    Child emu({HASHSINK_BINARY, "emulate", "axeos", "--port", std::to_string(port), "--board",
               "supra", "--hostname", "supra1"},
              dir + "/emu.log");
    REQUIRE(wait_for_port(port));
    auto r = run({HASHSINK_BINARY, "probe", "miner", "--url",
                  "http://127.0.0.1:" + std::to_string(port), "--driver", "axeos"}, 30);
    auto j = json_out(r);
    CHECK(j["model"] == "Supra BM1368 board 401");
    emu.kill(15);
    CHECK(emu.wait() == 0);
    CHECK(read_file(dir + "/emu.log").find("port " + std::to_string(port)) != std::string::npos);
    auto help = run({HASHSINK_BINARY, "emulate", "axeos", "--help"}, 30);
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--board") != std::string::npos);
}
