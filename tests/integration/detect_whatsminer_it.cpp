// Detection of Whatsminer (the 4028 version / get_version reply, v2 and v3 firmware) and of
// stock Antminer (HTTP 401 with an "antMiner" Digest realm), against the emulators, through
// detect_miner(), `hashsink probe miner` and `hashsink scan`.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "emulators/miners/antminer/antminer_emulator.hpp"
#include "adapters/miners/detect.hpp"
#include "emulators/miners/whatsminer/whatsminer_emulator.hpp"
#include "tests/support/cli_output.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace hashsink::test;

namespace {

miners::DetectTarget loopback(int http_port, int api_port) {
    return {.host = "127.0.0.1", .http_port = http_port, .api_port = api_port,
            .timeout = Duration{2000}};
}

}  // namespace

TEST_CASE("detect: Whatsminer v2 and v3 firmware from the 4028 reply", "[detect]") {
    miners::whatsminer::WhatsminerEmulator v2;
    REQUIRE(v2.start());
    auto d = miners::detect_miner(loopback(free_port(), v2.port()));
    INFO(d.why);
    CHECK(d.driver == "whatsminer");
    CHECK(d.family == "Whatsminer");
    CHECK(d.description == "Whatsminer 20230803.11.REL (API 2.0.5)");
    CHECK(d.api_answered);
    const auto snippet = miners::config_snippet(d, loopback(80, v2.port()));
    CHECK(snippet.find("driver = \"whatsminer\"") != std::string::npos);
    CHECK(snippet.find("host = \"127.0.0.1\"") != std::string::npos);
    CHECK(snippet.find("# password_file = ") != std::string::npos);

    miners::whatsminer::WhatsminerEmulator v3(miners::whatsminer::v3_defaults());
    REQUIRE(v3.start());
    auto d3 = miners::detect_miner(loopback(free_port(), v3.port()));
    CHECK(d3.driver == "whatsminer");
    CHECK(d3.description == "Whatsminer 20251209.16.Rel2 (API 3.0.2)");
}

TEST_CASE("detect: stock Antminer from the Digest realm of its web page", "[detect]") {
    miners::antminer::AntminerEmulator emu;
    REQUIRE(emu.start());
    auto d = miners::detect_miner(loopback(emu.port(), free_port()));
    INFO(d.why);
    CHECK(d.driver == "antminer");
    CHECK(d.family == "Antminer");
    CHECK(d.description == "stock Antminer web (realm \"antMiner Configuration\")");
    CHECK(d.http_answered);
}

TEST_CASE("detect: probe miner and scan pick the whatsminer driver", "[detect]") {
    miners::whatsminer::WhatsminerEmulator emu;
    REQUIRE(emu.start());
    const std::string dir = temp_dir();
    write_file(dir + "/pw", "admin\n");
    auto r = run({HASHSINK_BINARY, "probe", "miner", "--url",
                  "http://127.0.0.1:" + std::to_string(free_port()), "--api-port",
                  std::to_string(emu.port()), "--password-file", dir + "/pw"}, 30);
    auto j = json_out(r);
    REQUIRE(j.is_object());
    CHECK(j["driver"] == "whatsminer");
    CHECK(j["model"] == "Whatsminer M50S");
    CHECK(r.out.find("admin") == std::string::npos);   // the password is never printed

    auto scan = run({HASHSINK_BINARY, "scan", "127.0.0.1/32", "--http-port",
                     std::to_string(free_port()), "--api-port", std::to_string(emu.port()),
                     "--timeout", "1s"}, 60);
    INFO(scan.err);
    REQUIRE(scan.exit_code == 0);
    CHECK(scan.out.find("Whatsminer") != std::string::npos);
    CHECK(scan.out.find("driver = \"whatsminer\"") != std::string::npos);
    CHECK(scan.out.find("port = " + std::to_string(emu.port())) != std::string::npos);
}
