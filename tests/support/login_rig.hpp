// A login-protected HTTP miner emulator for a driver test: started on a manual clock the test
// advances, its password in a file in a fresh directory, and the driver's config pointing at it.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "daemon/core/options.hpp"
#include "daemon/core/settings.hpp"
#include "daemon/core/time.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "tests/support/process.hpp"

namespace hashsink::test {

// `settings` declares the driver's keys; the config starts from their defaults.
template <class Emulator, class EmulatorConfig, class DriverConfig,
          const Settings<DriverConfig>& (*settings)()>
struct LoginRig {
    std::string dir = temp_dir();
    std::shared_ptr<miners::emu::ManualEmulatorClock> clock =
        std::make_shared<miners::emu::ManualEmulatorClock>();
    Emulator emu;

    LoginRig(EmulatorConfig config, const std::string& password) : emu(std::move(config), clock) {
        REQUIRE(emu.start());
        write_file(dir + "/pw", password + "\n");
    }
    DriverConfig cfg(Duration timeout = std::chrono::milliseconds(1000)) const {
        DriverConfig c = settings().from(Options{});
        c.url = emu.url();
        c.password_file = dir + "/pw";
        c.timeout = timeout;
        c.verify_timeout = std::chrono::milliseconds(600);
        return c;
    }
};

}  // namespace hashsink::test
