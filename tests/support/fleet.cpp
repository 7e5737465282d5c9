#include "tests/support/fleet.hpp"

#include <cmath>

namespace hashsink::test {

MinerCaps ladder_caps(double low_w, double high_w, int n, bool can_pause) {
    MinerCaps caps;
    for (int i = 0; i < n; ++i) {
        double x = n == 1 ? 0 : static_cast<double>(i) / (n - 1);
        PowerLevel l;
        l.power_w = low_w + (high_w - low_w) * x;
        l.hashrate_ths = 0.05 * std::pow(l.power_w, 0.8);
        l.frequency_mhz = 400 + 25 * i;
        l.core_voltage_mv = 1100 + 20 * i;
        caps.levels.push_back(l);
    }
    caps.nominal_level = static_cast<std::size_t>(n / 2);
    caps.can_pause = can_pause;
    caps.idle_power_w = 2;
    return caps;
}

MinerView online_miner(const std::string& id, MinerCaps caps, double measured_w) {
    MinerView m;
    m.id = id;
    m.caps = std::move(caps);
    MinerState st;
    st.online = true;
    st.state = measured_w > 0 ? MinerRunState::mining : MinerRunState::paused;
    st.power_w = measured_w;
    m.state = st;
    m.state_fresh = true;
    return m;
}

SiteSnapshot snapshot_with_grid(TimePoint now, double grid_w, std::vector<MinerView> miners) {
    SiteSnapshot s;
    s.now = now;
    s.readings[std::string(signal::kGridPowerW)] = Reading{grid_w, now, Duration{5000}, "meter"};
    s.miners = std::move(miners);
    return s;
}

SiteSnapshot snapshot_with_inverter(TimePoint now, double grid_w, InverterState state,
                                    std::vector<MinerView> miners) {
    auto s = snapshot_with_grid(now, grid_w, std::move(miners));
    s.readings[std::string(signal::kPvState)] =
        Reading{static_cast<double>(state), now, Duration{5000}, "inverter"};
    return s;
}

std::vector<MinerView> small_ladder_fleet(int n) {
    std::vector<MinerView> fleet;
    for (int i = 0; i < n; ++i)
        fleet.push_back(online_miner("m" + std::to_string(i), ladder_caps(10, 30, 5)));
    return fleet;
}

std::vector<MinerView> random_fleet(std::mt19937& rng, int n) {
    std::uniform_real_distribution<double> low(5, 60), span(1, 3);
    std::uniform_int_distribution<int> levels(1, 8), coin(0, 3);
    std::vector<MinerView> fleet;
    for (int i = 0; i < n; ++i) {
        double lo = low(rng);
        auto caps = ladder_caps(lo, lo * span(rng), levels(rng), coin(rng) != 0);
        auto m = online_miner("m" + std::to_string(i), caps, 0);
        if (coin(rng) == 0) m.state_fresh = false;
        if (coin(rng) == 1) m.max_power_w = lo * 1.5;
        fleet.push_back(m);
    }
    return fleet;
}

}  // namespace hashsink::test
