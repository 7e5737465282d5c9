// What a test's emulated SunSpec inverter shows: a 2 kW inverter tracking the sun (MPPT).
#pragma once

#include "emulators/sensors/sunspec_emulator.hpp"

namespace hashsink::test {

// pv_w produced (DC at 97 % efficiency), grid_w at the meter (+ import, - export).
inline sensors::sunspec::InverterImage sunny_inverter(double pv_w, double grid_w) {
    sensors::sunspec::InverterImage img;
    img.rating_w = 2000;
    img.wmax_w = 2000;
    img.ac_power_w = pv_w;
    img.dc_power_w = pv_w / 0.97;
    img.state = InverterState::mppt;
    img.grid_power_w = grid_w;
    return img;
}

}  // namespace hashsink::test
