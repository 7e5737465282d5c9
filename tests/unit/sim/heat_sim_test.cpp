#include <catch2/catch.hpp>

#include <cmath>

#include "daemon/config/config.hpp"
#include "daemon/loop/allocator.hpp"
#include "sim/building_model.hpp"
#include "sim/simulator.hpp"
#include "policies/registry.hpp"
#include "tests/support/sim_helpers.hpp"

using namespace hashsink;
using sim::Column;
using test::trace_error;
using test::trace_of;

namespace {

// A zone without comfort windows: its target is setback_c all the time.
policies::HeatZone zone(const std::string& id, std::vector<std::string> miners, double target_c) {
    policies::HeatZone z = policies::HeatZone::settings().from(Options{});  // the defaults
    z.id = id;
    z.miners = std::move(miners);
    z.temperature = id + ".temp_c";
    z.outdoor_temperature = "outdoor.temp_c";
    z.comfort_c = target_c;
    z.setback_c = target_c;
    z.hysteresis_k = 0.5;
    z.max_store_c = 0;
    return z;
}

sim::SimSettings heated(double miner_w, sim::BuildingParams building) {
    sim::SimSettings s = test::one_miner(miner_w);
    s.heat_zones.push_back(zone("living", {"m"}, 20));
    building.zone = "living";
    s.buildings.push_back(building);
    return s;
}

// Every miner at its top level, always; records what it saw of the zone.
class AlwaysOn final : public sim::Controller {
public:
    std::string name() const override { return "on"; }
    std::vector<MinerTarget> decide(const SiteSnapshot& snap) override {
        seen_indoor = snap.fresh("living.temp_c");
        seen_outdoor = snap.fresh("outdoor.temp_c");
        std::vector<MinerTarget> out;
        for (const auto& m : snap.miners) {
            auto levels = loop::allowed_levels(m);
            out.push_back(loop::run_at(m, levels, levels.size() - 1));
        }
        return out;
    }
    std::optional<double> seen_indoor, seen_outdoor;
};

const char* kTwoHours =
    "time,outdoor_temp_c,price_per_kwh\n"
    "0,0,0.30\n"
    "3600,0,0.30\n"
    "7200,0,0.30\n";

// The same with 1.5 kW of other gains.
const char* kTwoHoursWithGains =
    "time,outdoor_temp_c,price_per_kwh,heat_demand_w\n"
    "0,0,0.30,1500\n"
    "7200,0,0.30,1500\n";

}  // namespace

TEST_CASE("building model: constant power approaches T_out + P/UA with time constant C/UA",
          "[sim][heat]") {
    sim::BuildingParams p{"living", 100, 1.0, std::nullopt};   // τ = 3.6e6 / 100 = 36000 s
    sim::BuildingModel b(p, 20);
    CHECK(b.time_constant_s() == Approx(36000));
    CHECK(b.steady_state_c(1000, 0) == Approx(10));
    for (int i = 0; i < 3600; ++i) b.advance(1, 1000, 0);
    const double expected = 10 + (20 - 10) * std::exp(-3600.0 / 36000);   // 19.048
    CHECK(b.temperature_c() == Approx(expected).epsilon(1e-9));
    // One big step lands on the same curve: the exact solution does not depend on the step.
    sim::BuildingModel one(p, 20);
    one.advance(3600, 1000, 0);
    CHECK(one.temperature_c() == Approx(expected).epsilon(1e-9));
    // After five time constants it has (almost) settled; heating from below works the same.
    sim::BuildingModel cold(p, 0);
    cold.advance(5 * 36000, 1000, 0);
    CHECK(cold.temperature_c() == Approx(10 - 10 * std::exp(-5.0)).epsilon(1e-9));
    CHECK(cold.temperature_c() == Approx(9.93).margin(0.01));
    // Zero step: nothing moves.
    cold.advance(0, 1e6, 50);
    CHECK(cold.temperature_c() == Approx(10 - 10 * std::exp(-5.0)));
}

TEST_CASE("trace heat columns: read, interpolated, and bad values named by line", "[sim][heat][trace]") {
    auto t = trace_of(
        "time,indoor_temp_c,outdoor_temp_c,heat_demand_w\n"
        "0,20,-10,500\n"
        "60,21,-8,700\n");
    CHECK(t.has(Column::indoor_temp_c));
    CHECK(t.at(Column::outdoor_temp_c, 30) == Approx(-9));
    CHECK(t.at(Column::heat_demand_w, 30) == Approx(600));
    CHECK(t.at(Column::indoor_temp_c, 30) == Approx(20.5));

    CHECK(trace_error("time,outdoor_temp_c\n0,1\n60,cold\n") ==
          "trace t.csv:3: outdoor_temp_c: not a number: 'cold'");
    CHECK(trace_error("time,indoor_temp_c\n0,21\n60,\n") ==
          "trace t.csv:3: indoor_temp_c: not a number: ''");
    CHECK(trace_error("time,indoor_temp_c\n0,21\n60,294.15\n") ==
          "trace t.csv:3: indoor_temp_c: 294.15 is out of range (must be between -90 and 60 °C)");
    CHECK(trace_error("time,outdoor_temp_c\n# c\n0,-95\n60,1\n") ==
          "trace t.csv:3: outdoor_temp_c: -95 is out of range (must be between -90 and 60 °C)");
    CHECK(trace_error("time,heat_demand_w\n0,100\n60,-5\n") ==
          "trace t.csv:3: heat_demand_w: -5 is out of range (must be between 0 and 10 MW)");
    CHECK(trace_error("time,heat_demand_w,heat_demand_w\n0,1,1\n60,1,1\n")
              .find("t.csv:1: column 'heat_demand_w' appears twice") != std::string::npos);
    CHECK(trace_error("time,indoor_temp_c,outdoor_temp_c\n0,20,1\n60,20\n") ==
          "trace t.csv:3: expected 3 values, got 2");
}

TEST_CASE("heat metrics on a hand-made trace", "[sim][heat]") {
    // A huge capacity keeps the zone at its initial temperature; 1 kW for 2 h at 0 °C outside.
    sim::BuildingParams b{"", 100, 1e4, 18.0};
    auto s = heated(1000, b);
    auto trace = trace_of(kTwoHours);
    REQUIRE(sim::check_inputs(trace, s).ok());

    SECTION("electric: below the band, all heat wanted") {
        AlwaysOn c;
        auto m = sim::run(trace, s, c);
        REQUIRE(m.heat);
        // Band [19.5, 20.5] at 18 °C: 1.5 K for 2 h.
        CHECK(m.heat->comfort_violation_kh == Approx(3.0).epsilon(0.001));
        CHECK(m.heat->heat_delivered_kwh == Approx(2.0).epsilon(0.01));
        // Losses at up to the target are UA·18 K = 1.8 kW > 1 kW: every kWh wanted.
        CHECK(m.heat->heat_wanted_kwh == Approx(m.heat->heat_delivered_kwh));
        CHECK(m.heat->heat_value == Approx(0.30 * m.heat->heat_wanted_kwh));
        REQUIRE(c.seen_indoor);
        CHECK(*c.seen_indoor == Approx(18).margin(0.01));
        REQUIRE(c.seen_outdoor);
        CHECK(*c.seen_outdoor == 0);
    }
    SECTION("other gains cover most of the loss; heat pump and gas prices") {
        auto other = trace_of(kTwoHoursWithGains);
        AlwaysOn c;
        auto m = sim::run(other, s, c);
        // Wanted: 1800 − 1500 = 300 W for 2 h.
        CHECK(m.heat->heat_wanted_kwh == Approx(0.6).epsilon(0.001));
        CHECK(m.heat->heat_value == Approx(0.18).epsilon(0.001));
        s.heat_zones[0].replaces = policies::HeatReplaces::heat_pump;
        s.heat_zones[0].cop = 3;
        CHECK(sim::run(other, s, c).heat->heat_value == Approx(0.06).epsilon(0.001));
        s.heat_zones[0].replaces = policies::HeatReplaces::gas;
        s.heat_zones[0].gas_price_per_kwh = 0.09;
        s.heat_zones[0].boiler_efficiency = 0.9;
        CHECK(sim::run(other, s, c).heat->heat_value == Approx(0.06).epsilon(0.001));
    }
    SECTION("above the band: violation counts, heat above the target is not wanted") {
        s.buildings[0].initial_c = 22;
        s.heat_zones[0].max_store_c = 21;   // band [19.5, 21]
        auto other = trace_of(kTwoHoursWithGains);
        AlwaysOn c;
        auto m = sim::run(other, s, c);
        CHECK(m.heat->comfort_violation_kh == Approx(2.0).epsilon(0.001));
        // Losses are counted at the target (20 °C): 2000 − 1500 = 500 W.
        CHECK(m.heat->heat_wanted_kwh == Approx(1.0).epsilon(0.001));
    }
    SECTION("no building: the trace's indoor temperature, heat wanted while not above the band") {
        s.buildings.clear();
        auto indoor = trace_of(
            "time,indoor_temp_c,price_per_kwh\n"
            "0,19,0.30\n"
            "3600,20.5,0.30\n"
            "7200,22,0.30\n");
        REQUIRE(sim::check_inputs(indoor, s).ok());
        AlwaysOn c;
        auto m = sim::run(indoor, s, c);
        // Below 19.5 for the first 1/3 h (mean 0.25 K), above 20.5 for the last hour (mean
        // 0.75 K): 1/12 + 3/4.
        CHECK(m.heat->comfort_violation_kh == Approx(1.0 / 12 + 0.75).epsilon(0.01));
        CHECK(m.heat->heat_wanted_kwh == Approx(1.0).epsilon(0.01));
        CHECK(m.heat->heat_delivered_kwh == Approx(2.0).epsilon(0.01));
    }
    SECTION("missing inputs are reported") {
        auto no_outdoor = trace_of("time,price_per_kwh\n0,1\n60,1\n");
        auto st = sim::check_inputs(no_outdoor, s);
        CHECK_FALSE(st.ok());
        CHECK(st.message == "trace test: zone living has a modelled building but the trace has "
                            "no outdoor_temp_c column");
        s.buildings.clear();
        CHECK(sim::check_inputs(no_outdoor, s).message ==
              "trace test: zone living has neither a [[simulate.buildings]] entry nor an "
              "indoor_temp_c column");
    }
}

TEST_CASE("thermostat baseline holds the band by switching the zone's miners", "[sim][heat]") {
    // τ = 0.1 kWh/K · 3.6e6 / 100 W/K = 3600 s; 3 kW would settle at 30 °C.
    sim::BuildingParams b{"", 100, 0.1, 18.0};
    auto s = heated(3000, b);
    s.miners.push_back(test::one_miner(1000).miners[0]);
    s.miners.back().id = "elsewhere";   // in no zone: never started
    auto trace = trace_of(
        "time,outdoor_temp_c\n"
        "0,0\n"
        "21600,0\n");
    auto thermostat = sim::make_thermostat_controller(s);
    double lo = 100, hi = -100;
    std::vector<double> fleet;
    sim::RunOptions opt;
    opt.on_tick = [&](const sim::TickSample& t) {
        if (t.t_s > 3600) {
            lo = std::min(lo, t.zone_temp_c[0]);
            hi = std::max(hi, t.zone_temp_c[0]);
        }
        fleet.push_back(t.fleet_w);
    };
    auto m = sim::run(trace, s, *thermostat, opt);
    // Heats from 18 °C, then cycles between the band's edges (one tick of overshoot).
    CHECK(lo > 19.45);
    CHECK(hi < 20.55);
    CHECK(lo < 19.6);
    CHECK(hi > 20.4);
    CHECK(*std::max_element(fleet.begin(), fleet.end()) < 3100);   // "elsewhere" stays off
    // Near 20 °C: heating +1 K takes C·1/(3000 − 2000) = 360 s, cooling 1 K 180 s, so about 6
    // cycles (12 switches) per hour on the zone's miner; the other miner never switches.
    const double per_day_zone_miner = m.switches_per_miner_day * 2;
    CHECK(per_day_zone_miner > 24 * 10);
    CHECK(per_day_zone_miner < 24 * 14);
    CHECK(m.heat->comfort_violation_kh < 0.4);   // the first few minutes below 19.5

    // The report carries it as a baseline.
    auto r = sim::evaluate(trace, s);
    REQUIRE(r.thermostat);
    CHECK(r.thermostat->switches_per_miner_day == Approx(m.switches_per_miner_day));
    auto j = sim::report_json(r, "t");
    CHECK(j.find("\"thermostat\"") != std::string::npos);
    CHECK(j.find("\"comfort_violation_kh\"") != std::string::npos);
}

TEST_CASE("[[simulate.buildings]] is validated and reaches the simulation", "[sim][heat][config]") {
    config::Catalog catalog;
    catalog.miner_drivers["axeos"] = {};
    catalog.policies["solar_surplus"] = {};
    const std::string base =
        "[site]\nmax_draw_w = 1000\n"
        "[[miners]]\nid = \"m\"\ndriver = \"axeos\"\n";
    SECTION("good") {
        auto r = config::load_string(base +
                                         "[[simulate.buildings]]\nzone = \"living\"\n"
                                         "ua_w_per_k = 150\ncapacity_kwh_per_k = 2.5\n"
                                         "initial_c = 19.0\n",
                                     "c.toml", catalog);
        REQUIRE(r.config);
        REQUIRE(r.config->simulate_buildings.size() == 1);
        const auto& o = r.config->simulate_buildings[0].options;
        CHECK(o.get_string("zone") == "living");
        CHECK(o.get_number("ua_w_per_k") == 150);
        CHECK(o.get_number("capacity_kwh_per_k") == 2.5);
        CHECK(o.get_number("initial_c") == 19.0);
    }
    SECTION("bad") {
        auto r = config::load_string(base +
                                         "[[simulate.buildings]]\nzone = \"living\"\n"
                                         "ua_w_per_k = 0\ncapacity_kwh_per_k = 2.5\nua = 3\n"
                                         "[[simulate.buildings]]\nzone = \"living\"\n"
                                         "ua_w_per_k = 100\n",
                                     "c.toml", catalog);
        REQUIRE_FALSE(r.ok());
        std::vector<std::string> msgs;
        for (const auto& d : r.diagnostics) msgs.push_back(d.format());
        REQUIRE(msgs.size() == 4);
        CHECK(msgs[0] == "c.toml:8:14: error: simulate.buildings[0].ua_w_per_k: 0 is out of range: "
                         "must be between 1 W/K and 1000000 W/K");
        CHECK(msgs[1].rfind("c.toml:10:1: error: simulate.buildings[0].ua: unknown key", 0) == 0);
        CHECK(msgs[2] == "c.toml:11:1: error: simulate.buildings[1].capacity_kwh_per_k: missing "
                         "required key");
        CHECK(msgs[3] == "c.toml:12:8: error: simulate.buildings[1].zone: zone \"living\" "
                         "already has a building (line 7)");
    }
    SECTION("unknown key under [simulate]") {
        auto r = config::load_string(base + "[simulate]\nbuilding = []\n", "c.toml", catalog);
        REQUIRE(r.diagnostics.size() == 1);
        CHECK(r.diagnostics[0].format().find("simulate.building: unknown key") != std::string::npos);
    }
}


TEST_CASE("heat zones come from [policy.heat_demand], a building names one of them", "[sim][heat][config]") {
    config::Catalog catalog;
    catalog.miner_drivers["axeos"] = {};
    for (const auto& t : policies::policy_types()) catalog.policies[t.name] = t.keys;
    const std::string base =
        "[site]\nmax_draw_w = 1000\n"
        "[policy]\nuse = \"heat_demand\"\n"
        "[policy.heat_demand]\nutc_offset_min = -420\n"
        "[[policy.heat_demand.zones]]\nid = \"living\"\nminers = [\"m\"]\n"
        "temperature = \"living.temp_c\"\ncomfort_c = 21.0\nsetback_c = 17.0\n"
        "comfort = [\"mon-fri 06:00-08:30\"]\nmax_power_w = 800\n"
        "[[miners]]\nid = \"m\"\ndriver = \"axeos\"\n";
    // The simulator's settings from `base` with a building in `zone`.
    auto with_building = [&](const std::string& zone) {
        auto loaded = config::load_string(base + "[[simulate.buildings]]\nzone = \"" + zone +
                                              "\"\nua_w_per_k = 150\ncapacity_kwh_per_k = 2.5\n",
                                          "c.toml", catalog);
        REQUIRE(loaded.ok());
        return sim::settings_from_config(*loaded.config);
    };
    auto s = with_building("living");
    REQUIRE(s);
    REQUIRE(s->heat_zones.size() == 1);
    REQUIRE(s->buildings.size() == 1);
    CHECK(s->buildings[0].ua_w_per_k == 150);
    CHECK_FALSE(s->buildings[0].initial_c);
    // Mon 2022-01-03 07:00 MST is inside the comfort window; 09:00 is not.
    const auto& zone = s->heat_zones[0];
    auto band = sim::comfort_band(zone, from_unix_ms(1641218400000));
    CHECK(band.target_c == 21.0);
    CHECK(band.low_c == 20.5);
    CHECK(band.high_c == zone.max_store_c);
    CHECK(sim::comfort_band(zone, from_unix_ms(1641225600000)).target_c == 17.0);

    auto e = with_building("kitchen");
    REQUIRE_FALSE(e);
    CHECK(e.error().message ==
          "simulate: c.toml:18: simulate.buildings: zone 'kitchen' is not a "
          "[[policy.heat_demand.zones]] id (known: living)");
}

TEST_CASE("the winter_days scenario reads: four days of outdoor temperature and irradiance",
          "[sim][heat][trace]") {
    auto t = sim::load_trace(std::string(HASHSINK_SOURCE_DIR) + "/data/scenarios/winter_days.csv");
    REQUIRE(t.has_value());
    CHECK(t->has(Column::outdoor_temp_c));
    CHECK(t->has(Column::ghi_w_m2));
    // 00:05 on the first day to 23:50 on the fourth.
    CHECK(t->end_s() - t->start_s() == Approx(4 * 86400 - 900).margin(1));
    double lo = 100, hi = -100;
    for (double v : t->columns[static_cast<std::size_t>(Column::outdoor_temp_c)]) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    CHECK(lo == Approx(-15.68).margin(0.01));
    CHECK(hi == Approx(12.67).margin(0.01));
}
