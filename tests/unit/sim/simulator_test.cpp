#include <catch2/catch.hpp>

#include <random>

#include "daemon/loop/allocator.hpp"
#include "sim/simulator.hpp"
#include "tests/support/sim_helpers.hpp"

using namespace hashsink;

using test::FixedController;
using test::one_miner;
using test::trace_of;

TEST_CASE("simulator metrics on a constant surplus", "[sim]") {
    // 1 kW of surplus for one hour; a 500 W miner that runs all the time.
    auto trace = trace_of("time,pv_ac_w,house_load_w\n0,1000,0\n3600,1000,0\n");
    auto settings = one_miner(500);
    FixedController always;
    auto m = sim::run(trace, settings, always);
    CHECK(m.hours == Approx(1.0));
    CHECK(m.available_surplus_kwh == Approx(1.0));
    CHECK(m.absorbed_kwh == Approx(0.5).epsilon(0.001));
    CHECK(m.fleet_kwh == Approx(0.5).epsilon(0.001));
    CHECK(m.import_wh == 0);
    CHECK(m.peak_import_w == 0);
    CHECK(m.genset_overload_s == 0);
    CHECK_FALSE(m.genset_band_pct.has_value());
    // 5 TH/s for one hour at 0.05 per TH/s per day.
    CHECK(m.revenue == Approx(5 * 0.05 / 24).epsilon(0.001));
    CHECK(m.switches_per_miner_day == Approx(24));   // one start in one hour
    CHECK(sim::oracle_absorbed_kwh(trace, settings) == Approx(0.5));
}

TEST_CASE("simulator counts import, its cost and the feed-in opportunity", "[sim]") {
    // 300 W of surplus, a 500 W miner: 200 W imported for one hour at 0.30, 300 W absorbed
    // that would have earned 0.10.
    auto trace = trace_of(
        "time,pv_ac_w,house_load_w,price_per_kwh,feed_in_per_kwh\n"
        "0,400,100,0.30,0.10\n3600,400,100,0.30,0.10\n");
    auto settings = one_miner(500);
    FixedController always;
    auto m = sim::run(trace, settings, always);
    CHECK(m.available_surplus_kwh == Approx(0.3));
    CHECK(m.absorbed_kwh == Approx(0.3).epsilon(0.001));
    CHECK(m.import_wh == Approx(200).epsilon(0.002));
    CHECK(m.peak_import_w == Approx(200).epsilon(0.002));
    CHECK(m.energy_cost == Approx(0.2 * 0.30 + 0.3 * 0.10).epsilon(0.002));
    // The miner cannot run below 500 W: the oracle absorbs nothing.
    CHECK(sim::oracle_absorbed_kwh(trace, settings) == 0);
}

TEST_CASE("simulator counts switches", "[sim]") {
    auto trace = trace_of("time,pv_ac_w\n0,1000\n3600,1000\n");
    auto settings = one_miner(500);
    FixedController toggling(600);   // on 10 min, off 10 min: 6 switches an hour
    auto m = sim::run(trace, settings, toggling);
    CHECK(m.switches_per_miner_day == Approx(6 * 24));
    CHECK(m.absorbed_kwh == Approx(0.25).epsilon(0.002));
}

TEST_CASE("simulator scores a generator: overload seconds and the load band", "[sim]") {
    auto trace = trace_of("time,genset_capacity_w,house_load_w\n0,1000,0\n3600,1000,0\n");
    FixedController always;
    auto over = sim::run(trace, one_miner(1100), always);
    CHECK(over.genset_overload_s == Approx(3600).margin(2));
    REQUIRE(over.genset_band_pct.has_value());
    CHECK(*over.genset_band_pct == Approx(0).margin(0.1));
    CHECK(over.import_wh == 0);
    auto inside = sim::run(trace, one_miner(800), always);
    CHECK(inside.genset_overload_s == 0);
    CHECK(*inside.genset_band_pct == Approx(100).margin(0.1));
    CHECK(inside.absorbed_kwh == Approx(0.8).epsilon(0.001));
}

TEST_CASE("the export limit hides the surplus the inverter throttles away", "[sim]") {
    auto trace = trace_of("time,pv_ac_w,house_load_w,export_limit_w\n0,3000,500,0\n600,3000,500,0\n");
    auto settings = one_miner(1000);
    std::vector<double> grid;
    FixedController always;
    auto m = sim::run(trace, settings, always, {[&](const sim::TickSample& s) { grid.push_back(s.grid_w); }});
    CHECK(m.available_surplus_kwh == Approx(2.5 / 6));
    CHECK(m.absorbed_kwh == Approx(1.0 / 6).epsilon(0.01));
    for (double g : grid) CHECK(g == Approx(0).margin(1e-6));   // never exports, never imports
}

TEST_CASE("irradiance-only traces go through the PV model", "[sim]") {
    auto trace = trace_of("time,ghi_w_m2\n0,1000\n3600,1000\n");
    auto settings = one_miner(500);
    settings.pv.kwp = 5;
    settings.pv.inverter_ac_max_w = 3000;
    FixedController always;
    auto m = sim::run(trace, settings, always);
    // 5 kWp x 0.86 x 0.96 = 4128 W DC->AC, clipped at 3000 W.
    CHECK(m.available_surplus_kwh == Approx(3.0));
    settings.pv.inverter_ac_max_w = 0;
    CHECK(sim::run(trace, settings, always).available_surplus_kwh == Approx(4.128));
}

TEST_CASE("the oracle is never below any controller", "[sim][oracle]") {
    std::mt19937 rng(11);
    std::normal_distribution<double> step(0, 400);
    for (int round = 0; round < 6; ++round) {
        // A random cloudy afternoon, 2 h at 1-min rows, with a mixed fleet.
        std::string text = "time,pv_ac_w,house_load_w\n";
        double pv = 3000;
        for (int i = 0; i <= 120; ++i) {
            pv = std::clamp(pv + step(rng), 0.0, 9000.0);
            text += std::to_string(i * 60) + "," + std::to_string(pv) + "," +
                    std::to_string(300 + (i * 37 % 500)) + "\n";
        }
        auto trace = trace_of(text);
        sim::SimSettings s;
        s.policy = "solar_surplus";
        s.loop.start_margin_w = 10;
        if (round % 2) s.loop.limits.ramp_up_w_per_s = 200;
        for (const char* model : {"s21", "s19j-pro", "bitaxe-gamma", "bitaxe-gamma", "s9"}) {
            sim::SimMiner m;
            m.id = std::string(model) + std::to_string(s.miners.size());
            m.model = miners::simulated::preset(model);
            m.model.allow_overclock = round % 3 == 0;
            s.miners.push_back(m);
        }
        auto r = sim::evaluate(trace, s);
        INFO("round " << round);
        const double oracle = r.hashsink.oracle_absorbed_kwh;
        CHECK(r.hashsink.absorbed_without_import_kwh <= oracle + 1e-9);
        CHECK(r.threshold.absorbed_without_import_kwh <= oracle + 1e-9);
        CHECK(r.export_follower.absorbed_without_import_kwh <= oracle + 1e-9);
        FixedController always, toggling(300);
        CHECK(sim::run(trace, s, always).absorbed_without_import_kwh <= oracle + 1e-9);
        CHECK(sim::run(trace, s, toggling).absorbed_without_import_kwh <= oracle + 1e-9);
        // hashsink barely imports, so nearly all it absorbs is bounded by the oracle.
        CHECK(r.hashsink.absorbed_kwh <= oracle * 1.01 + 1e-9);
    }
}

TEST_CASE("simulated miner: start delay, lag and pause", "[sim][miner]") {
    auto cfg = miners::simulated::preset("s19j-pro");
    miners::simulated::MinerModel m(cfg, 1);
    CHECK(m.power_w() == Approx(cfg.idle_w));
    MinerTarget t;
    t.run = true;
    t.power_w = 3050;
    m.set_target(t);
    m.advance(cfg.start_delay_s - 1);
    CHECK(m.power_w() == Approx(cfg.idle_w).margin(1));   // still booting
    CHECK(m.hashrate_ths() == 0);
    m.advance(2);
    m.advance(cfg.response_s * 6);
    CHECK(m.power_w() == Approx(3050).epsilon(0.01));
    CHECK(m.hashrate_ths() == Approx(104).epsilon(0.01));
    m.set_target(loop::paused_target());
    m.advance(10);
    CHECK(m.power_w() == Approx(cfg.idle_w).margin(1));
    auto caps = miners::simulated::model_caps(cfg);
    CHECK(caps.levels.size() == 6);
    CHECK(caps.levels.back().power_w == 3050);
    cfg.allow_overclock = true;
    CHECK(miners::simulated::model_caps(cfg).levels.back().power_w == Approx(3965));
}
