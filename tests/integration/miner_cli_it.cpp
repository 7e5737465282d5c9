// `probe miner` detection, `emulate braiins|luxos|vnish` and `scan` as subprocesses.
#include <catch2/catch.hpp>

#include <memory>

#include <nlohmann/json.hpp>

#include "emulators/miners/braiins/braiins_emulator.hpp"
#include "emulators/miners/luxos/luxos_emulator.hpp"
#include "emulators/miners/vnish/vnish_emulator.hpp"
#include "tests/support/cli_output.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"

using namespace hashsink;
using namespace hashsink::test;

namespace {

std::string closed_port() { return std::to_string(free_port()); }

// `hashsink probe miner` of the web page at `url` and the 4028-style API at `api_port`, with
// the password file when one is given and the `more` options.
RunResult probe_miner(const std::string& url, const std::string& api_port,
                      const std::string& password_file = {}, std::vector<std::string> more = {}) {
    std::vector<std::string> argv = {HASHSINK_BINARY, "probe", "miner", "--url", url,
                                     "--api-port",    api_port};
    if (!password_file.empty()) argv.insert(argv.end(), {"--password-file", password_file});
    argv.insert(argv.end(), more.begin(), more.end());
    return run(argv, 30);
}

// An emulated miner whose web login takes `password`, started.
template <class Emulator, class Config>
std::unique_ptr<Emulator> started_with_password(const std::string& password) {
    Config c;
    c.password = password;
    auto emu = std::make_unique<Emulator>(c);
    REQUIRE(emu->start());
    return emu;
}

}  // namespace

TEST_CASE("miner cli: probe miner detects Braiins OS, LuxOS and Vnish", "[drivers]") {
    const std::string dir = temp_dir();
    write_file(dir + "/pw", "pw\n");

    auto bos =
        started_with_password<miners::braiins::BraiinsEmulator, miners::braiins::EmulatorConfig>(
            "pw");
    auto b = json_out(probe_miner(bos->url(), closed_port(), dir + "/pw"));
    CHECK(b["driver"] == "braiins");
    CHECK(b["model"] == "Antminer S21 Pro");
    CHECK(b["caps"]["continuous_power"] == true);

    miners::luxos::LuxosEmulator lux;
    REQUIRE(lux.start());
    auto l = json_out(probe_miner("http://127.0.0.1:" + closed_port(), std::to_string(lux.port())));
    CHECK(l["driver"] == "luxos");
    CHECK(l["model"] == "Antminer S19k Pro");

    auto vn =
        started_with_password<miners::vnish::VnishEmulator, miners::vnish::EmulatorConfig>("pw");
    auto v = json_out(probe_miner(vn->url(), closed_port(), dir + "/pw"));
    CHECK(v["driver"] == "vnish");
    // The password never appears in what is printed.
    auto again = probe_miner(vn->url(), closed_port(), dir + "/pw");
    CHECK(again.out.find("\"pw\"") == std::string::npos);
    CHECK(again.err.find("pw\n") == std::string::npos);
}

TEST_CASE("miner cli: emulate luxos, braiins and vnish serve until SIGTERM", "[drivers]") {
    for (const char* family : {"luxos", "braiins", "vnish"}) {
        INFO(family);
        const int port = free_port();
        const std::string dir = temp_dir();
        Child emu({HASHSINK_BINARY, "emulate", family, "--port", std::to_string(port)},
                  dir + "/emu.log");
        REQUIRE(wait_for_port(port));
        const std::vector<std::string> timeout = {"--timeout", "1s"};
        RunResult probed;
        if (std::string(family) == "luxos") {
            probed =
                probe_miner("http://127.0.0.1:" + closed_port(), std::to_string(port), {}, timeout);
        } else {
            write_file(dir + "/pw", std::string(family) == "braiins" ? "root\n" : "admin\n");
            probed = probe_miner("http://127.0.0.1:" + std::to_string(port), closed_port(),
                                 dir + "/pw", timeout);
        }
        auto j = json_out(probed);
        CHECK(j["driver"] == family);
        emu.kill(15);
        CHECK(emu.wait() == 0);
        auto help = run({HASHSINK_BINARY, "emulate", family, "--help"}, 30);
        CHECK(help.exit_code == 0);
    }
}

TEST_CASE("miner cli: scan finds emulators on loopback and prints config snippets", "[drivers]") {
    // Only 127.0.0.0/8 addresses: a Vnish emulator on 127.0.0.2, a LuxOS one on 127.0.0.1.
    miners::vnish::EmulatorConfig vc;
    vc.bind = "127.0.0.2";
    miners::vnish::VnishEmulator vn(vc);
    REQUIRE(vn.start());
    const std::string http = std::to_string(vn.port());
    auto r = run({HASHSINK_BINARY, "scan", "127.0.0.0/30", "--json", "--http-port", http,
                  "--api-port", closed_port(), "--timeout", "500ms"}, 60);
    auto j = json_out(r);
    REQUIRE(j.is_array());
    REQUIRE(j.size() == 1);
    CHECK(j[0]["host"] == "127.0.0.2");
    CHECK(j[0]["driver"] == "vnish");
    const std::string snippet = j[0]["config"];
    CHECK(snippet.find("driver = \"vnish\"") != std::string::npos);
    CHECK(snippet.find("url = \"http://127.0.0.2:" + http + "\"") != std::string::npos);

    miners::luxos::LuxosEmulator lux;
    REQUIRE(lux.start());
    auto text = run({HASHSINK_BINARY, "scan", "127.0.0.1/32", "--http-port", closed_port(),
                     "--api-port", std::to_string(lux.port()), "--timeout", "500ms"}, 60);
    INFO(text.err);
    REQUIRE(text.exit_code == 0);
    CHECK(text.out.find("LuxOS") != std::string::npos);
    CHECK(text.out.find("driver = \"luxos\"") != std::string::npos);
    CHECK(text.out.find("port = " + std::to_string(lux.port())) != std::string::npos);

    CHECK(run({HASHSINK_BINARY, "scan", "10.0.0.0/8"}, 30).exit_code == 64);
    CHECK(run({HASHSINK_BINARY, "scan", "nonsense"}, 30).exit_code == 64);
    CHECK(run({HASHSINK_BINARY, "scan"}, 30).exit_code == 64);
}
