// The benchmarks' fleet: Bitaxe-class miners with ten operating points each, their base power
// varied by index so that no two neighbours are alike.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "daemon/core/miner.hpp"
#include "daemon/core/snapshot.hpp"

namespace hashsink::bench {

inline MinerCaps bitaxe_caps(int i) {
    MinerCaps caps;
    const double base = 10 + (i % 7);
    for (int l = 0; l < 10; ++l) {
        PowerLevel p;
        p.power_w = base * (0.7 + 0.07 * l);
        p.hashrate_ths = 0.05 * std::pow(p.power_w, 0.8);
        p.frequency_mhz = 400 + 20 * l;
        p.core_voltage_mv = 1100 + 20 * l;
        caps.levels.push_back(p);
    }
    caps.nominal_level = 5;
    caps.can_pause = true;
    return caps;
}

// n such miners as the allocator sees them: ids m0..m(n-1), fresh state.
inline std::vector<MinerView> bitaxe_fleet(int n) {
    std::vector<MinerView> fleet;
    fleet.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        MinerView m;
        m.id = "m" + std::to_string(i);
        m.caps = bitaxe_caps(i);
        m.state_fresh = true;
        fleet.push_back(std::move(m));
    }
    return fleet;
}

}  // namespace hashsink::bench
