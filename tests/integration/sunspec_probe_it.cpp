// `hashsink probe sunspec` as a subprocess, against the emulator and an independent pymodbus peer.
#include <catch2/catch.hpp>

#include <csignal>

#include <nlohmann/json.hpp>

#include "emulators/sensors/sunspec_emulator.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace hashsink::sensors::sunspec;

TEST_CASE("sunspec probe: prints the emulator's models as JSON", "[sunspec]") {
    SunspecEmulator emu;
    REQUIRE(emu.start().ok());
    InverterImage im;
    im.ac_power_w = 2750;
    im.frequency_hz = 49.98;
    im.mppt_dc_w = {1500, 1300};
    im.grid_power_w = 420;
    emu.update(im);
    auto r = test::run({HASHSINK_BINARY, "probe", "sunspec", "--host", "127.0.0.1", "--port",
                        std::to_string(emu.port()), "--timeout", "2s"},
                       30);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["base_address"] == 40000);
    CHECK(j["unit"] == 1);
    const auto& m = j["models"];
    CHECK(m.size() == 7);
    CHECK(m["1"]["Mn"] == "hashsink");
    CHECK(m["1"]["L"] == 66);
    CHECK(m["103"]["W"] == 2750);
    CHECK(m["103"]["Hz"].get<double>() == Approx(49.98));
    CHECK(m["103"]["VA"].is_null());
    CHECK(m["103"]["St"] == 4);
    CHECK(m["120"]["WRtg"] == 5000);
    CHECK(m["123"]["WMaxLim_Ena"] == 0);
    REQUIRE(m["160"]["module"].size() == 2);
    CHECK(m["160"]["module"][0]["DCW"] == 1500);
    CHECK(m["160"]["module"][1]["IDStr"] == "PV2");
    CHECK(m["203"]["W"] == 420);
}

TEST_CASE("sunspec probe: reads an independent pymodbus device", "[sunspec]") {
    int port = test::free_port();
    test::Child peer({"/usr/bin/python3", HASHSINK_SOURCE_DIR "/tests/support/sunspec_peer.py",
                      std::to_string(port)});
    REQUIRE(test::wait_for_port(port, std::chrono::seconds(15)));
    auto r = test::run({HASHSINK_BINARY, "probe", "sunspec", "--host", "127.0.0.1", "--port",
                        std::to_string(port)},
                       30);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["base_address"] == 50000);
    const auto& m = j["models"];
    CHECK(m["1"]["L"] == 65);
    CHECK_FALSE(m["1"].contains("Pad"));
    CHECK(m["1"]["Mn"] == "PeerSolar");
    CHECK(m["1"]["Md"] == "PF-8000");
    CHECK(m["1"]["DA"] == 3);
    CHECK(m["113"]["W"].get<double>() == 4321.5);
    CHECK(m["113"]["Hz"].get<double>() == 50.01);
    CHECK(m["113"]["DCW"].is_null());
    CHECK(m["113"]["St"] == 5);
    CHECK(m["113"]["StVnd"].is_null());
    CHECK(m["120"]["WRtg"] == 8000);
    REQUIRE(m["160"]["module"].size() == 2);
    CHECK(m["160"]["module"][0]["DCW"].get<double>() == 2100);
    CHECK(m["160"]["module"][1]["DCW"].get<double>() == 1950);
    CHECK(m["160"]["module"][0]["DCV"].get<double>() == 400);
    CHECK(m["160"]["module"][0]["DCA"].is_null());
    CHECK(m["160"]["module"][0]["DCWH"].is_null());
    CHECK(m["160"]["module"][1]["IDStr"] == "String 2");
    CHECK(m.contains("64001"));
    CHECK(m["64001"].is_null());
    CHECK(m["213"]["W"].get<double>() == 1500);
    CHECK(m["213"]["Hz"].get<double>() == 49.99);
}

TEST_CASE("sunspec probe: unreachable device exits 69 with a clear error", "[sunspec]") {
    int port = test::free_port();
    auto r = test::run({HASHSINK_BINARY, "probe", "sunspec", "--host", "127.0.0.1", "--port",
                        std::to_string(port), "--timeout", "500ms"},
                       30);
    CHECK(r.exit_code == 69);
    CHECK(r.err.find("Connection refused") != std::string::npos);
    CHECK(r.out.empty());
}

TEST_CASE("sunspec probe: no SunS marker exits 69", "[sunspec]") {
    SunspecEmulator emu;
    REQUIRE(emu.start().ok());
    auto r = test::run({HASHSINK_BINARY, "probe", "sunspec", "--host", "127.0.0.1", "--port",
                        std::to_string(emu.port()), "--base", "30000"},
                       30);
    CHECK(r.exit_code == 69);
    CHECK(r.err.find("SunS") != std::string::npos);
}

TEST_CASE("sunspec probe and emulate: --help and usage errors", "[sunspec]") {
    auto help = test::run({HASHSINK_BINARY, "probe", "sunspec", "--help"}, 30);
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--host") != std::string::npos);
    auto emu_help = test::run({HASHSINK_BINARY, "emulate", "sunspec", "--help"}, 30);
    CHECK(emu_help.exit_code == 0);
    CHECK(emu_help.out.find("--common-length") != std::string::npos);
    auto missing = test::run({HASHSINK_BINARY, "probe", "sunspec"}, 30);
    CHECK(missing.exit_code == 64);
}

TEST_CASE("sunspec emulate: serves until SIGTERM and probe reads it", "[sunspec]") {
    int port = test::free_port();
    std::string dir = test::temp_dir();
    test::Child emu({HASHSINK_BINARY, "emulate", "sunspec", "--port", std::to_string(port),
                     "--float", "--base", "50000", "--common-length", "65", "--pv-w", "2000",
                     "--grid-w", "-500", "--mppt", "3"},
                    dir + "/emulate.log");
    REQUIRE(test::wait_for_port(port));
    auto r = test::run({HASHSINK_BINARY, "probe", "sunspec", "--host", "127.0.0.1", "--port",
                        std::to_string(port)},
                       30);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["base_address"] == 50000);
    CHECK(j["models"]["113"]["W"].get<double>() == 2000);
    CHECK(j["models"]["213"]["W"].get<double>() == -500);
    CHECK(j["models"]["160"]["module"].size() == 3);
    emu.kill(SIGTERM);
    CHECK(emu.wait() == 0);
    CHECK(test::read_file(dir + "/emulate.log").find(std::to_string(port)) != std::string::npos);
}
