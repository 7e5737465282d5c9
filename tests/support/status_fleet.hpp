// A loop status for n S19-like miners, for the status JSON tests and bench/status_size.
#pragma once

#include <string>

#include "daemon/loop/status.hpp"

namespace hashsink::test {

// An S19-like miner: eight operating points, frequency and voltage options, mining.
inline loop::LoopStatus s19_fleet_status(std::size_t miners) {
    loop::LoopStatus st;
    st.tick = 123456;
    st.at = from_unix_ms(1'790'000'000'000);
    st.decision.policy = "solar_surplus";
    st.decision.budget_w = 1.5e6;
    st.decision.reason = "surplus 1500 kW, reserve 200 W";
    for (std::size_t i = 0; i < miners; ++i) {
        loop::MinerStatus m;
        m.id = "rack" + std::to_string(i / 100) + "-s19-" + std::to_string(i % 100);
        m.driver = "braiins";
        m.online = true;
        for (int l = 0; l < 8; ++l)
            m.caps.levels.push_back({1400.0 + 300 * l, 60.0 + 8 * l, 400.0 + 50 * l, 12800.0 + 200 * l});
        m.caps.nominal_level = 5;
        m.caps.can_pause = true;
        m.caps.idle_power_w = 12;
        m.caps.frequency_options_mhz = {400, 450, 500, 550, 600, 650, 700, 750};
        m.caps.voltage_options_mv = {12800, 13000, 13200, 13400, 13600};
        MinerState s;
        s.driver = "braiins";
        s.model = "Antminer S19";
        s.firmware = "Braiins OS 23.03";
        s.online = true;
        s.state = MinerRunState::mining;
        s.hashrate_ths = 95.2;
        s.power_w = 3210;
        s.frequency_mhz = 650;
        s.chip_temp_c = 71;
        s.fan_rpm = 4200;
        s.caps = m.caps;
        m.state = s;
        m.state_at = st.at;
        m.target.run = true;
        m.target.power_w = 3250;
        m.target.level = 6;
        m.target_applied = true;
        m.reason = "raised: surplus";
        st.miners.push_back(m);
    }
    return st;
}

}  // namespace hashsink::test
