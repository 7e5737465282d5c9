// /api/status without caps: each miner's caps_id stays, the caps go to /api/caps. The hidden
// "[.size]" case prints the bytes per status at 10 000 miners (docs/performance.md).
#include <catch2/catch.hpp>

#include <cstdio>

#include "web/api/status_json.hpp"

using namespace hashsink;

namespace {

// An S19-like miner: eight operating points, frequency and voltage options, mining.
loop::LoopStatus fleet(std::size_t miners) {
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

}  // namespace

TEST_CASE("status json: caps left out on request, caps_id kept, /api/caps has them", "[web]") {
    auto st = fleet(3);
    st.miners[2].caps.levels.pop_back();
    auto full = web::status_json(st, st.at);
    auto lean = web::status_json(st, st.at, false);
    REQUIRE(full["miners"][0].contains("caps"));
    REQUIRE(full["miners"][0]["state"].contains("caps"));
    CHECK_FALSE(lean["miners"][0].contains("caps"));
    CHECK_FALSE(lean["miners"][0]["state"].contains("caps"));
    CHECK(lean["miners"][0]["caps_id"] == full["miners"][0]["caps_id"]);
    CHECK(lean["miners"][0]["caps_id"] == lean["miners"][1]["caps_id"]);   // equal caps
    CHECK(lean["miners"][0]["caps_id"] != lean["miners"][2]["caps_id"]);   // changed caps
    CHECK(lean["miners"][0]["caps_id"].get<std::string>().size() == 16);
    auto caps = web::caps_json(st, st.miners[2].id);
    REQUIRE(caps.size() == 1);
    CHECK(caps[0]["caps"]["levels"].size() == 7);
    CHECK(caps[0]["caps_id"] == lean["miners"][2]["caps_id"]);
    CHECK(web::caps_json(st).size() == 3);
    CHECK(web::caps_json(st, "nope").empty());
}

TEST_CASE("status json: bytes per status at 10 000 miners", "[.size]") {
    for (std::size_t n : {100, 1000, 10000}) {
        auto st = fleet(n);
        const auto full = web::status_json(st, st.at).dump().size();
        const auto lean = web::status_json(st, st.at, false).dump().size();
        const auto caps = nlohmann::json{{"miners", web::caps_json(st)}}.dump().size();
        std::printf("%6zu miners: /api/status %9zu B (%5zu B/miner), ?caps=0 %9zu B (%4zu B/miner), "
                    "/api/caps %9zu B\n",
                    n, full, full / n, lean, lean / n, caps);
    }
}
