// A miner emulator started on loopback and a driver of it, for a driver's integration tests.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <utility>

#include "emulators/miners/common/emulator_clock.hpp"

namespace hashsink::test {

// `emu` runs on `clock` (the steady clock when none is given); `driver` is named `id` and made
// from `make_config(emu)` once the emulator listens.
template <class Emulator, class Driver>
struct DriverRig {
    Emulator emu;
    Driver driver;

    template <class EmulatorConfig, class MakeConfig>
    DriverRig(EmulatorConfig config, miners::emu::SharedClock clock, const std::string& id,
              MakeConfig make_config)
        : emu(std::move(config), std::move(clock)), driver(id, make_config(started(emu))) {}

private:
    static const Emulator& started(Emulator& emu) {
        REQUIRE(emu.start());
        return emu;
    }
};

}  // namespace hashsink::test
