// A small site (tests/support/small_site.hpp) built and started in-process with its emulators on
// loopback and its web server on a free port; `web_extra` adds keys to [web].
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "daemon/app/site.hpp"
#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "tests/support/inverter_image.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "tests/support/site_build.hpp"
#include "tests/support/small_site.hpp"

namespace hashsink::test {

struct SmallSiteRig {
    sensors::sunspec::SunspecEmulator inverter;
    miners::axeos::AxeosEmulator a{{.board = "gamma", .hostname = "gamma-a"}};
    std::string dir = temp_dir();
    SystemClock clock;
    std::unique_ptr<app::Site> site;
    int port = free_port();
    int dead_port = free_port();  // nothing listens: the "dead" miner stays offline

    explicit SmallSiteRig(const std::string& web_extra) {
        REQUIRE(inverter.start());
        REQUIRE(a.start());
        inverter.update(sunny_inverter(300, -200));
        const std::string path = dir + "/site.toml";
        write_file(path, small_site_toml("[web]\nlisten = \"127.0.0.1:" + std::to_string(port) +
                                             "\"\n" + web_extra,
                                         inverter.port(), a.url(), dead_port));
        site = started_site(path, dir, clock);
        REQUIRE(wait_for_port(port, std::chrono::seconds(10)));
    }
};

}  // namespace hashsink::test
