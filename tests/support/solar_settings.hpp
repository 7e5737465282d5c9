// solar_surplus settings for tests that need it to act within seconds: the declared defaults
// with a 20 W reserve and, with quick_solar(), a 10 s enable and a 30 s disable delay.
#pragma once

#include <chrono>

#include "daemon/core/options.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"

namespace hashsink::test {

inline policies::SolarSurplusSettings solar_with_reserve() {
    auto s = policies::SolarSurplusSettings::from(Options{});
    s.reserve_w = 20;
    return s;
}

inline policies::SolarSurplusSettings quick_solar() {
    using namespace std::chrono_literals;
    auto s = solar_with_reserve();
    s.enable_delay = 10s;
    s.disable_delay = 30s;
    return s;
}

}  // namespace hashsink::test
