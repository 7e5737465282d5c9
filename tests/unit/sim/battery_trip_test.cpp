// The simulator's battery and generator-trip models, by hand and in a simulated run.
#include <catch2/catch.hpp>

#include "daemon/loop/allocator.hpp"
#include "sim/battery_model.hpp"
#include "sim/driver_models.hpp"
#include "sim/genset_trip.hpp"
#include "sim/simulator.hpp"
#include "tests/support/sim_helpers.hpp"

using namespace hashsink;

namespace {

sim::BatterySpec ten_kwh() {
    sim::BatterySpec b;
    b.capacity_kwh = 10;
    b.max_charge_w = 3000;
    b.max_discharge_w = 2000;
    b.efficiency = 0.9;
    b.initial_soc_pct = 50;
    b.min_soc_pct = 10;
    return b;
}

using test::one_miner;
using test::trace_of;

class AlwaysOn final : public sim::Controller {
public:
    std::string name() const override { return "always"; }
    std::vector<MinerTarget> decide(const SiteSnapshot& snap) override {
        seen_soc = snap.fresh(signal::kBatterySocPct).value_or(-1);
        seen_battery_w = snap.fresh(signal::kBatteryPowerW).value_or(0);
        std::vector<MinerTarget> out;
        for (const auto& m : snap.miners) {
            auto levels = loop::allowed_levels(m);
            out.push_back(loop::run_at(m, levels, levels.size() - 1));
        }
        return out;
    }
    double seen_soc = -1, seen_battery_w = 0;
};

// `trace` run with a 500 W miner that `c` always runs, beside the ten-kWh battery.
sim::Metrics run_with_battery(const sim::Trace& trace, AlwaysOn& c) {
    auto s = one_miner(500);
    s.battery = ten_kwh();
    return sim::run(trace, s, c);
}

}  // namespace

TEST_CASE("battery: charge and discharge by hand", "[zero_export]") {
    sim::BatteryModel b(ten_kwh());
    CHECK(b.soc_pct() == Approx(50));
    // 2 kW spare for an hour: 1.8 kWh stored (90 %).
    CHECK(b.step(2000, 3600) == Approx(-2000));
    CHECK(b.soc_pct() == Approx(68));
    // 5 kW spare: it takes its 3 kW limit, 2.7 kWh stored.
    CHECK(b.step(5000, 3600) == Approx(-3000));
    CHECK(b.soc_pct() == Approx(95));
    // 0.5 kWh of room takes 0.5 / 0.9 kWh in.
    CHECK(b.charge_w(3000, 3600) == Approx(500 / 0.9));
    CHECK(b.step(3000, 3600) == Approx(-500 / 0.9));
    CHECK(b.soc_pct() == Approx(100));
    CHECK(b.step(1000, 1) == Approx(0));
    // 1.5 kW short for an hour: 1.5 kWh out, no loss on the way out.
    CHECK(b.step(-1500, 3600) == Approx(1500));
    CHECK(b.soc_pct() == Approx(85));
    // 5 kW short: its 2 kW limit.
    CHECK(b.step(-5000, 3600) == Approx(2000));
    CHECK(b.soc_pct() == Approx(65));
    CHECK(b.step(-2000, 3600) == Approx(2000));
    CHECK(b.step(-2000, 3600) == Approx(2000));
    CHECK(b.soc_pct() == Approx(25));
    // Down to its floor of 10 %: 1.5 kWh left above it.
    CHECK(b.step(-2000, 3600) == Approx(1500));
    CHECK(b.soc_pct() == Approx(10));
    CHECK(b.step(-100, 3600) == Approx(0));
}

TEST_CASE("battery: the simulator charges it first and publishes its power and SoC", "[zero_export]") {
    // 3.5 kW of spare PV for an hour and a 500 W miner that always runs: the battery comes
    // first (its 3 kW limit), the miner absorbs the 500 W beyond it.
    auto trace = trace_of("time,pv_ac_w,house_load_w\n0,4000,500\n3600,4000,500\n");
    AlwaysOn c;
    auto m = run_with_battery(trace, c);
    // Without the fleet the battery would charge 3000 of the 3500 W spare: 500 W is surplus.
    CHECK(m.available_surplus_kwh == Approx(0.5).epsilon(0.01));
    CHECK(m.absorbed_kwh == Approx(0.5).epsilon(0.01));
    CHECK(m.import_wh == Approx(0).margin(1));
    // 3000 W x 0.9 for an hour: 2.7 kWh, 50 % -> 77 %.
    CHECK(c.seen_soc == Approx(77).margin(0.1));
    CHECK(c.seen_battery_w == Approx(-3000).margin(1));
}

TEST_CASE("battery: the fleet drawing from it counts as import", "[zero_export]") {
    // No PV: the battery covers the house and the 500 W miner.
    auto trace = trace_of("time,pv_ac_w,house_load_w\n0,0,500\n3600,0,500\n");
    AlwaysOn c;
    auto m = run_with_battery(trace, c);
    CHECK(m.absorbed_kwh == 0);
    CHECK(m.import_wh == Approx(500).epsilon(0.01));
    CHECK(c.seen_battery_w == Approx(1000).margin(1));
    CHECK(c.seen_soc == Approx(40).margin(0.1));
}

TEST_CASE("generator trip: sustained overload or low frequency", "[zero_export]") {
    sim::GensetTripSpec spec;
    spec.enabled = true;
    spec.trip_after_s = 10;
    spec.restart_s = 120;
    sim::GensetTripModel g(spec);
    // 5 % over: 59.7 Hz, no frequency trip; the 11th second of overload trips it.
    for (int t = 0; t < 10; ++t) g.observe(t, 1, 1050, 1000, 60);
    CHECK(g.trips() == 0);
    CHECK(g.running(10));
    g.observe(10, 1, 1050, 1000, 60);
    CHECK(g.trips() == 1);
    CHECK_FALSE(g.running(11));
    CHECK_FALSE(g.running(130.5));
    CHECK(g.running(131));
    // A short overload resets.
    for (int t = 131; t < 140; ++t) g.observe(t, 1, 1050, 1000, 60);
    g.observe(140, 1, 900, 1000, 60);
    for (int t = 141; t < 150; ++t) g.observe(t, 1, 1050, 1000, 60);
    CHECK(g.trips() == 1);
    // 60 % over sags to 56.4 Hz, below 95 % of 60: trips at once.
    CHECK(sim::genset_frequency_hz(60, 1600, 1000) == Approx(56.4));
    g.observe(150, 1, 1600, 1000, 60);
    CHECK(g.trips() == 2);
}

TEST_CASE("generator trip: an overloading controller trips it and absorbs nothing meanwhile", "[zero_export]") {
    auto trace = trace_of("time,genset_capacity_w,house_load_w\n0,1000,0\n3600,1000,0\n");
    auto s = one_miner(1100);
    s.genset_trip.enabled = true;
    AlwaysOn c;
    auto m = sim::run(trace, s, c);
    // Overloaded 11 s, down 120 s: 131 s a cycle, 27 full cycles and a bit in an hour.
    CHECK(m.genset_trips == 28);
    CHECK(m.genset_overload_s == Approx(28 * 11).margin(12));
    CHECK(m.available_surplus_kwh == Approx(1.0).epsilon(0.001));
    CHECK(m.absorbed_kwh < 0.1);
    // Without the trip model the same run only overloads.
    s.genset_trip.enabled = false;
    AlwaysOn c2;
    auto n = sim::run(trace, s, c2);
    CHECK(n.genset_trips == 0);
    CHECK(n.genset_overload_s == Approx(3600).margin(2));
}

TEST_CASE("simulate: drivers that declare their draw are modelled on/off", "[zero_export]") {
    Options plug;
    plug.set("power_w", 1400.0);
    plug.set("hashrate_ths", 14.0);
    auto m = sim::model_for_driver("shelly", plug);
    REQUIRE(m.has_value());
    CHECK(m->control == miners::simulated::Control::on_off);
    CHECK(m->power_w == 1400);
    CHECK(m->hashrate_ths == 14);
    CHECK(m->idle_w == 0);
    Options antminer;
    antminer.set("power_w", 3250.0);
    antminer.set("sleep_power_w", 12.0);
    m = sim::model_for_driver("antminer", antminer);
    REQUIRE(m.has_value());
    CHECK(m->idle_w == 12);
    CHECK(m->hashrate_ths > 0);
    CHECK(sim::model_for_driver("axeos", {})->model == "bitaxe-gamma");
    // Capabilities only the device reports: no model.
    CHECK_FALSE(sim::model_for_driver("braiins", {}).has_value());
    CHECK_FALSE(sim::model_for_driver("cgminer", {}).has_value());   // no declared power_w
}
