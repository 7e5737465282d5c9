// heat_demand: the thermostat held over generated weather, min run and rest, stale sensors,
// the zone's max power; its config keys; the heat credit in economics; its place in layered.
#include <catch2/catch.hpp>

#include <random>

#include "daemon/config/config.hpp"
#include "daemon/loop/decide.hpp"
#include "policies/economics/economics.hpp"
#include "policies/heat_demand/heat_demand.hpp"
#include "policies/layered/layered.hpp"
#include "policies/registry.hpp"
#include "tests/support/fleet.hpp"
#include "tests/support/heat_site.hpp"

using namespace hashsink;
using namespace hashsink::policies;
using namespace std::chrono_literals;
using test::kMonday;

namespace {

// Sensor readings here stay fresh for ten minutes.
void put(SiteSnapshot& s, std::string_view name, double v, Duration age = Duration{0}) {
    test::put(s, name, v, age, Duration{600'000});
}

HeatZone living(double max_power_w = 800) {
    HeatZone z = HeatZone::settings().from(Options{});  // the declared defaults
    z.id = "living";
    z.miners = {"a", "b"};
    z.temperature = "living.temp_c";
    z.outdoor_temperature = "outdoor.temp_c";
    z.comfort_c = 21;
    z.setback_c = 17;
    z.hysteresis_k = 0.5;
    z.max_store_c = 23;
    z.max_power_w = max_power_w;
    return z;
}

HeatDemandPolicy policy_of(std::vector<HeatZone> zones) {
    HeatDemandSettings s = HeatDemandSettings::from(Options{});
    s.zones = std::move(zones);
    return HeatDemandPolicy(s);
}

std::vector<MinerView> zone_fleet() {
    return {test::online_miner("a", test::ladder_caps(100, 400, 5)),
            test::online_miner("b", test::ladder_caps(100, 400, 5)),
            test::online_miner("c", test::ladder_caps(50, 150, 3))};
}

// The miners took what the tick told them.
void take(SiteSnapshot& s, const std::vector<loop::GovernedTarget>& governed) {
    for (std::size_t i = 0; i < s.miners.size(); ++i) {
        MinerView& m = s.miners[i];
        if (!(governed[i].target == m.target)) m.target_since = s.now;
        m.target = governed[i].target;
        m.state->power_w = m.target.run ? m.target.power_w : 2;
    }
}

double zone_draw_w(const SiteSnapshot& s, const HeatZone& z) {
    double w = 0;
    for (const auto& m : s.miners)
        if (z.has_miner(m.id) && m.target.run) w += m.target.power_w;
    return w;
}

// A room: heat capacity C (J/K), loss UA (W/K) to the outdoor temperature.
struct Room {
    double t_c = 18;
    double c_j_per_k = 1e6;
    double ua_w_per_k = 20;
    void step(double heat_w, double outdoor_c, double dt_s) {
        t_c += (heat_w - ua_w_per_k * (t_c - outdoor_c)) * dt_s / c_j_per_k;
    }
};

config::Catalog catalog() {
    config::Catalog c;
    for (const auto& t : policy_types()) c.policies[t.name] = t.keys;
    c.miner_drivers["simulated"] = {};
    return c;
}

}  // namespace

TEST_CASE("heat: the zone keys check, defaults fill in, settings come out", "[heat]") {
    auto r = config::load_string(test::kHeatSiteHead + std::string(R"(
[policy.heat_demand]
utc_offset_min = 60

[[policy.heat_demand.zones]]
id = "living"
miners = ["bitaxe-1", "bitaxe-2"]
temperature = "living.temp_c"
outdoor_temperature = "outdoor.temp_c"
comfort_c = 21.0
setback_c = 17.0
comfort = ["mon-fri 06:00-08:30", "mon-fri 17:00-22:30", "sat-sun 07:30-23:00"]
hysteresis_k = 0.5
max_store_c = 23.0
max_power_w = 800
min_run = "10m"
min_rest = "5m"
stale_after = "2m"
replaces = "heat_pump"
cop = 3.0
gas_price_per_kwh = 0.09
boiler_efficiency = 0.9
below_floor_allowed = false

[[policy.heat_demand.zones]]
id = "office"
miners = ["bitaxe-3"]
temperature = "office.temp_c"
max_power_w = 30
)") + test::kTwoSimulatedMiners + "[[miners]]\nid = \"bitaxe-3\"\ndriver = \"simulated\"\n",
                                 "t.toml", catalog());
    for (const auto& d : r.diagnostics) INFO(d.format());
    REQUIRE(r.ok());
    auto s = HeatDemandSettings::from(r.config->policy_options);
    REQUIRE(s.zones.size() == 2);
    CHECK(s.utc_offset_min == 60);
    const HeatZone& z = s.zones[0];
    CHECK(z.id == "living");
    CHECK(z.miners == std::vector<std::string>{"bitaxe-1", "bitaxe-2"});
    CHECK(z.replaces == HeatReplaces::heat_pump);
    CHECK(z.min_run == Duration{600'000});
    CHECK(z.comfort.windows.size() == 3);
    CHECK(z.comfort.utc_offset_min == 60);
    // Defaults of the second zone.
    CHECK(s.zones[1].comfort_c == 21);
    CHECK(s.zones[1].replaces == HeatReplaces::electric);
    CHECK(s.zones[1].stale_after == Duration{120'000});
    CHECK_FALSE(s.zones[1].safe_minimum);
}

TEST_CASE("heat: bad zones are reported at their line and column", "[heat][config]") {
    auto r = config::load_string(test::kHeatSiteHead + std::string(R"(
[[policy.heat_demand.zones]]
id = "living"
miners = ["bitaxe-1", "bitaxe-9"]
temperature = "living.temp_c"
comfort = ["mon-fri 06:00-08:30", "someday 07:00-08:00"]
replaces = "oil"
hysteresys_k = 0.5
max_power_w = -5

[[policy.heat_demand.zones]]
id = "no power"
temperature = "x"
)") + test::kTwoSimulatedMiners,
                                 "t.toml", catalog());
    REQUIRE_FALSE(r.ok());
    std::string all;
    for (const auto& d : r.diagnostics) all += d.format() + "\n";
    INFO(all);
    CHECK(all.find("t.toml:9:23: error: policy.heat_demand.zones[0].miners[1]: unknown miner id "
                   "\"bitaxe-9\"") != std::string::npos);
    CHECK(all.find("t.toml:11:11: error: policy.heat_demand.zones[0].comfort: window 2 "
                   "\"someday 07:00-08:00\": unknown day") != std::string::npos);
    CHECK(all.find("t.toml:12:12: error: policy.heat_demand.zones[0].replaces: \"oil\" is not "
                   "one of: electric, heat_pump, gas") != std::string::npos);
    CHECK(all.find("t.toml:13:1: error: policy.heat_demand.zones[0].hysteresys_k: unknown key; "
                   "did you mean \"hysteresis_k\"?") != std::string::npos);
    CHECK(all.find("t.toml:14:15: error: policy.heat_demand.zones[0].max_power_w: -5 is out of "
                   "range") != std::string::npos);
    CHECK(all.find("policy.heat_demand.zones[1].id: invalid zone id") != std::string::npos);
    CHECK(all.find("policy.heat_demand.zones[1].miners: missing required key") != std::string::npos);
    CHECK(all.find("policy.heat_demand.zones[1].max_power_w: missing required key") !=
          std::string::npos);

    auto not_tables = config::load_string(R"([site]
max_draw_w = 2000
[policy]
use = "heat_demand"
[policy.heat_demand]
zones = ["living"]
)", "t.toml", catalog());
    REQUIRE(not_tables.diagnostics.size() == 1);
    CHECK(not_tables.diagnostics[0].format() ==
          "t.toml:6:9: error: policy.heat_demand.zones: expected an array of tables "
          "([[policy.heat_demand.zones]]), got array");
}

TEST_CASE("heat: the reference lists a zone's keys", "[heat][config]") {
    std::string md = config::reference_markdown(catalog());
    auto at = md.find("### [policy.heat_demand]");
    REQUIRE(at != std::string::npos);
    auto zones = md.find("Keys of each `zones` entry", at);
    REQUIRE(zones != std::string::npos);
    for (const char* k : {"`max_store_c`", "`below_floor_allowed`", "`gas_price_per_kwh`"})
        CHECK(md.find(k, zones) != std::string::npos);
}

TEST_CASE("heat: comfort windows pick the setpoint in local time", "[heat]") {
    HeatZone z = living();
    z.comfort.utc_offset_min = 60;
    z.comfort.windows = {*parse_window("mon-fri 06:00-08:30 max").window};
    SiteSnapshot s;
    s.now = kMonday + 5h + 30min;   // 06:30 local
    CHECK(z.target_c(s) == 21);
    s.now = kMonday + 7h + 45min;   // 08:45 local
    CHECK(z.target_c(s) == 17);
    s.now = kMonday + 24h * 5 + 5h + 30min;   // Saturday
    CHECK(z.target_c(s) == 17);
}

TEST_CASE("heat: the band is held over generated winter days", "[heat]") {
    HeatZone z = living();
    z.comfort.windows = {*parse_window("06:00-22:00 max").window};
    z.min_run = 10min;
    z.min_rest = 5min;
    auto policy = policy_of({z});
    std::mt19937 rng(7);
    std::normal_distribution<double> noise(0, 0.5);
    Room room;
    SiteSnapshot s;
    s.now = kMonday;
    s.miners = zone_fleet();
    PolicyMemory mem;
    double outdoor = 2;
    double worst_below = 0, worst_above = 0, peak_w = 0;
    int ticks_heating = 0;
    const Duration tick = 10s;
    for (int i = 0; i < 2 * 24 * 360; ++i) {
        s.now += tick;
        outdoor = std::clamp(outdoor + noise(rng) * 0.05, -10.0, 10.0);
        put(s, "living.temp_c", room.t_c);
        put(s, "outdoor.temp_c", outdoor);
        auto tick_decision = loop::decide_tick(policy, s, mem, {}, {});
        mem = tick_decision.decision.memory;
        take(s, tick_decision.governed);
        const double heat_w = zone_draw_w(s, z);
        peak_w = std::max(peak_w, heat_w);
        ticks_heating += heat_w > 0;
        room.step(heat_w, outdoor, 10);
        // Once settled (the morning warm-up done, the evening cool-down at the setback band),
        // the room stays in its band, give or take what a tick and a level step move it.
        if (i < 360 * 2) continue;
        const auto day_s = (unix_ms(s.now) / 1000) % 86400;
        if (day_s >= 10 * 3600 && day_s < 22 * 3600) {
            worst_above = std::max(worst_above, room.t_c - 21.5);
            worst_below = std::max(worst_below, 20.5 - room.t_c);
        } else if (day_s >= 2 * 3600 && day_s < 6 * 3600) {
            worst_below = std::max(worst_below, 16.5 - room.t_c);
        }
    }
    CHECK(worst_below < 0.15);
    CHECK(worst_above < 0.3);
    CHECK(peak_w <= z.max_power_w + 1e-9);
    CHECK(ticks_heating > 0);
}

TEST_CASE("heat: demand is modulated between the lowest level and max_power_w", "[heat]") {
    auto policy = policy_of({living(600)});
    SiteSnapshot s;
    s.now = kMonday;
    s.miners = zone_fleet();
    std::vector<double> floors;
    for (double t : {16.5, 16.0, 15.0, 13.0}) {   // setback 17: colder and colder
        put(s, "living.temp_c", t);
        Decision d = policy.decide(s, {});
        double floor = d.miner_floor_w.count("a") ? d.miner_floor_w.at("a") : 0;
        floor += d.miner_floor_w.count("b") ? d.miner_floor_w.at("b") : 0;
        floors.push_back(floor);
        CHECK(d.budget_w == Approx(floor));
        CHECK(d.miner_ceiling_w.at("a") + d.miner_ceiling_w.at("b") <= 600 + 1e-9);
        CHECK_FALSE(d.miner_ceiling_w.count("c"));   // not in the zone
    }
    CHECK(floors[0] >= 100);
    CHECK(floors[0] < floors[1]);
    CHECK(floors[1] < floors[2]);
    CHECK(floors[3] == Approx(600));
    // Outdoor cold feeds forward: same room, more heat.
    put(s, "living.temp_c", 16.5);
    put(s, "outdoor.temp_c", -15);
    Decision cold = policy.decide(s, {});
    CHECK(cold.budget_w > floors[0]);
}

TEST_CASE("heat: min run and min rest hold over a generated temperature sequence", "[heat]") {
    HeatZone z = living();
    z.min_run = 10min;
    z.min_rest = 5min;
    auto policy = policy_of({z});
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> jump(14, 20);
    std::uniform_int_distribution<int> hold_ticks(1, 120);
    SiteSnapshot s;
    s.now = kMonday;
    s.miners = zone_fleet();
    PolicyMemory mem;
    // When heating last started or stopped (a plain value: GCC's -Wmaybe-uninitialized misreads
    // an optional time point here).
    bool was_heating = false, changed_once = false;
    TimePoint changed_at{};
    int starts = 0, stops = 0;
    double t = 17;
    int left = 0;
    for (int i = 0; i < 20'000; ++i) {
        s.now += 5s;
        if (left-- <= 0) {
            t = jump(rng);
            left = hold_ticks(rng);
        }
        put(s, "living.temp_c", t);
        Decision d = policy.decide(s, mem);
        mem = d.memory;
        const bool heating = d.budget_w > 0;
        if (heating != was_heating) {
            if (heating && changed_once) CHECK(s.now - changed_at >= z.min_rest);
            if (!heating) CHECK(s.now - changed_at >= z.min_run);
            ++(heating ? starts : stops);
            changed_at = s.now;
            changed_once = true;
            was_heating = heating;
        }
        // While heating, the floor is never below the zone's lowest level.
        if (heating) CHECK(d.budget_w >= 100 - 1e-9);
    }
    CHECK(starts > 10);
    CHECK(stops > 10);
}

TEST_CASE("heat: a stale or missing temperature puts the zone in its safe state", "[heat]") {
    HeatZone z = living();
    auto policy = policy_of({z});
    SiteSnapshot s;
    s.now = kMonday;
    s.miners = zone_fleet();
    put(s, "living.temp_c", 14);
    Decision cold = policy.decide(s, {});
    REQUIRE(cold.budget_w > 0);

    // Each way the reading can fail, through the policy and through the loop.
    auto expect_safe_state = [&](const SiteSnapshot& bad) {
        Decision d = policy.decide(bad, cold.memory);
        CHECK(d.budget_w == 0);
        CHECK(d.miner_floor_w.empty());
        CHECK(d.miner_ceiling_w.at("a") == 0);
        CHECK(d.miner_ceiling_w.at("b") == 0);
        CHECK(d.reason.find("living temperature stale or missing: safe state (paused)") !=
              std::string::npos);
        CHECK_FALSE(d.fail_safe);   // only the zone, not the whole site

        // The zone's miners end paused even with a large budget elsewhere.
        auto tick = loop::decide_tick(policy, bad, cold.memory, {}, {});
        CHECK_FALSE(tick.governed[0].target.run);
        CHECK_FALSE(tick.governed[1].target.run);
    };
    SECTION("missing") {
        s.readings.clear();
        expect_safe_state(s);
    }
    SECTION("older than stale_after") {
        put(s, "living.temp_c", 14, 3min);
        expect_safe_state(s);
    }
    SECTION("not a temperature") {
        put(s, "living.temp_c", 900);
        expect_safe_state(s);
    }
}

TEST_CASE("heat: safe_state minimum keeps the zone's miners at their lowest level", "[heat]") {
    HeatZone z = living(150);
    z.safe_minimum = true;
    auto policy = policy_of({z});
    SiteSnapshot s;
    s.now = kMonday;
    s.miners = zone_fleet();
    Decision d = policy.decide(s, {});
    CHECK(d.miner_floor_w.at("a") == 100);
    CHECK_FALSE(d.miner_floor_w.count("b"));   // a second 100 W would pass max_power_w
    CHECK(d.miner_ceiling_w.at("b") == 0);
    auto tick = loop::decide_tick(policy, s, {}, {}, {});
    CHECK(tick.governed[0].target.power_w == 100);
    CHECK_FALSE(tick.governed[1].target.run);
}

TEST_CASE("heat: the zone never draws more than max_power_w (generated snapshots)", "[heat]") {
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> temp(10, 26), budget(0, 5000), zmax(20, 600);
    std::uniform_int_distribution<int> pick(0, 7);
    for (int trial = 0; trial < 400; ++trial) {
        auto fleet = test::random_fleet(rng, 8);
        for (auto& m : fleet)
            if (pick(rng) == 0) m.caps.continuous_power = true;
        HeatZone a = living(zmax(rng));
        a.miners = {"m" + std::to_string(pick(rng)), "m" + std::to_string(pick(rng)),
                    "m" + std::to_string(pick(rng))};
        HeatZone b = living(zmax(rng));
        b.id = "b";
        b.temperature = "b.temp_c";
        b.miners = {"m" + std::to_string(pick(rng)), "m" + std::to_string(pick(rng))};
        auto heat = policy_of({a, b});
        SiteSnapshot s;
        s.now = kMonday;
        s.miners = fleet;
        put(s, "living.temp_c", temp(rng));
        put(s, "b.temp_c", temp(rng));
        Decision d = heat.decide(s, {});
        // Whatever another policy adds on top: a large budget through the allocator.
        d.budget_w = std::max(d.budget_w, budget(rng));
        loop::AllocateOptions o;
        o.ceiling_w = &d.miner_ceiling_w;
        o.floor_w = &d.miner_floor_w;
        auto plan = loop::allocate(d.budget_w, s.miners, o);
        auto governed = loop::govern(plan.targets, s, {.max_draw_w = 3000}, {.floor_w = &d.miner_floor_w}).targets;
        double za = 0, zb = 0, total = 0;
        for (std::size_t i = 0; i < s.miners.size(); ++i) {
            const auto& t = governed[i].target;
            if (!t.run) continue;
            total += t.power_w;
            if (heat.zone_of(s.miners[i].id) == &heat.settings().zones[0]) za += t.power_w;
            if (heat.zone_of(s.miners[i].id) == &heat.settings().zones[1]) zb += t.power_w;
        }
        INFO("trial " << trial);
        CHECK(za <= a.max_power_w + 1e-6);
        CHECK(zb <= b.max_power_w + 1e-6);
        CHECK(total <= 3000 + 1e-6);
    }
}

TEST_CASE("heat: a hot-water tank is a zone with its own temperatures", "[heat]") {
    auto r = config::load_string(test::kHeatSiteHead + std::string(R"(
[[policy.heat_demand.zones]]
id = "tank"
miners = ["bitaxe-1"]
temperature = "tank.temp_c"
comfort_c = 50.0
setback_c = 50.0
hysteresis_k = 5.0
max_store_c = 70.0
max_power_w = 1500
)") + test::kTwoSimulatedMiners,
                                 "t.toml", catalog());
    REQUIRE(r.diagnostics.empty());
    HeatZone tank = living(400);
    tank.id = "tank";
    tank.temperature = "tank.temp_c";
    tank.comfort_c = tank.setback_c = 50;
    tank.hysteresis_k = 5;
    tank.max_store_c = 70;
    auto policy = policy_of({tank});
    SiteSnapshot s;
    s.now = kMonday;
    s.miners = zone_fleet();
    put(s, "tank.temp_c", 44);   // below 50 - 5: heat
    Decision d = policy.decide(s, {});
    CHECK(d.miner_floor_w.count("a"));
    s.now += 20min;
    put(s, "tank.temp_c", 62);   // a run ends at 55; surplus may store up to 70
    d = policy.decide(s, d.memory);
    CHECK(d.miner_floor_w.empty());
    CHECK(d.miner_ceiling_w.at("a") > 0);
    s.now += 1min;
    put(s, "tank.temp_c", 70.5);  // full: nothing beyond the floor
    d = policy.decide(s, d.memory);
    CHECK(d.miner_ceiling_w.at("a") == 0);
    put(s, "tank.temp_c", 98);    // still a tank, not a broken sensor
    CHECK(tank.temperature_now(s));
}

TEST_CASE("heat: solar surplus may push a zone up to max_store_c, not beyond", "[heat]") {
    Options heat, layered, solar;
    heat.set("zones", std::int64_t{1});
    heat.set("zones[0].id", std::string("living"));
    heat.set("zones[0].miners", std::vector<std::string>{"a", "b"});
    heat.set("zones[0].temperature", std::string("living.temp_c"));
    heat.set("zones[0].max_power_w", 500.0);
    layered.set("layers", std::vector<std::string>{"solar_surplus", "heat_demand"});
    auto policy = make_policy("layered", {{"layered", layered}, {"heat_demand", heat},
                                          {"solar_surplus", solar}});
    REQUIRE(policy);
    // Ten minutes of a closed loop: the grid sees the miners' draw.
    auto run = [&](double temp_c, double house_grid_w) {
        SiteSnapshot s = test::snapshot_with_grid(kMonday, house_grid_w, zone_fleet());
        PolicyMemory mem;
        loop::TickDecision t;
        for (int i = 0; i < 60; ++i) {
            s.now += 10s;
            double draw = 0;
            for (const auto& m : s.miners) draw += m.target.run ? m.target.power_w : 0;
            s.readings.clear();
            s.readings[std::string(signal::kGridPowerW)] =
                Reading{house_grid_w + draw, s.now, Duration{5000}, "meter"};
            put(s, "living.temp_c", temp_c);
            t = loop::decide_tick(*policy, s, mem, {}, {});
            mem = t.decision.memory;
            take(s, t.governed);
        }
        return t;
    };
    // 20 °C (above setback 17 + 0.5: no heat needed), 3 kW of export: the zone stores up to 500 W.
    auto warm = run(20, -3000);
    CHECK(warm.decision.miner_floor_w.empty());
    REQUIRE(warm.decision.report.heat_zones.size() == 1);  // layered shows the zones as they are
    CHECK_FALSE(warm.decision.report.heat_zones[0].heating);
    double zone = 0;
    for (std::size_t i = 0; i < 2; ++i) zone += warm.governed[i].target.run ? warm.governed[i].target.power_w : 0;
    CHECK(zone > 100);
    CHECK(zone <= 500 + 1e-9);
    CHECK(warm.governed[2].target.run);
    // At max_store_c: nothing more for the zone; the surplus goes to the others.
    auto full = run(23.1, -3000);
    CHECK_FALSE(full.governed[0].target.run);
    CHECK_FALSE(full.governed[1].target.run);
    CHECK(full.governed[2].target.run);
    // Cold and no surplus at all (importing): the floor is bought anyway.
    auto cold = run(15, 200);
    CHECK(cold.decision.budget_w >= 100);
    CHECK(cold.governed[0].target.run);
}

TEST_CASE("heat: the value of a kWh of heat for each replaced kind", "[heat][credit]") {
    HeatZone z = living();
    z.replaces = HeatReplaces::electric;
    CHECK(*heat_value_per_kwh(z, 0.30) == Approx(0.30));
    CHECK_FALSE(heat_value_per_kwh(z, std::nullopt));
    z.replaces = HeatReplaces::heat_pump;
    z.cop = 3;
    CHECK(*heat_value_per_kwh(z, 0.30) == Approx(0.10));
    z.cop = 4.5;
    CHECK(*heat_value_per_kwh(z, 0.27) == Approx(0.06));
    CHECK_FALSE(heat_value_per_kwh(z, std::nullopt));
    z.replaces = HeatReplaces::gas;
    z.gas_price_per_kwh = 0.09;
    z.boiler_efficiency = 0.9;
    CHECK(*heat_value_per_kwh(z, std::nullopt) == Approx(0.10));
    CHECK(*heat_value_per_kwh(z, 0.50) == Approx(0.10));   // the import price plays no part
}

TEST_CASE("heat: the credit applies only while the zone wants heat", "[heat][credit]") {
    HeatZone z = living();   // setback 17, band 0.5: 16.5 .. 17.5
    SiteSnapshot s;
    s.now = kMonday;
    put(s, "living.temp_c", 17.0);
    auto credit = heat_credit({z}, "a", s, 0.3, true);
    CHECK(credit.per_kwh == Approx(0.3));
    CHECK(credit.zoned);
    CHECK_FALSE(heat_credit({z}, "c", s, 0.3, true).zoned);   // not in the zone
    CHECK(heat_credit({z}, "c", s, 0.3, true).per_kwh == 0);
    put(s, "living.temp_c", 17.6);   // above the band: not wanted
    CHECK(heat_credit({z}, "a", s, 0.3, true).per_kwh == 0);
    // Inside the band as before: once warmed to the top, nothing until it has cooled through.
    put(s, "living.temp_c", 17.2);
    CHECK(heat_credit({z}, "a", s, 0.3, false).per_kwh == 0);
    CHECK_FALSE(heat_credit({z}, "a", s, 0.3, false).wanted);
    CHECK(heat_credit({z}, "a", s, 0.3, true).per_kwh == Approx(0.3));
    put(s, "living.temp_c", 16.5);
    CHECK(heat_credit({z}, "a", s, 0.3, false).wanted);
    put(s, "living.temp_c", 15, 10min);   // stale: no credit
    CHECK(heat_credit({z}, "a", s, 0.3, true).per_kwh == 0);
}

TEST_CASE("heat: economics runs a miner unprofitable on hash alone while its heat pays",
          "[heat][credit]") {
    // Hash worth about 0.05/kWh at these miners' efficiency; import at 0.20.
    auto es = EconomicsSettings::from(Options{});  // the declared defaults
    es.hashprice_per_th_day = 0.05;
    es.import_per_kwh = 0.20;
    es.start_delay = Duration{0};
    SiteSnapshot s = test::snapshot_with_grid(kMonday, 100, zone_fleet());
    const double hash = revenue_per_kwh(0.05, 100 / (0.05 * std::pow(100, 0.8)), 0);
    REQUIRE(hash < 0.20);
    put(s, "living.temp_c", 16);

    Decision plain = EconomicsPolicy(es).decide(s, {});
    CHECK(plain.miner_ceiling_w.at("a") == 0);

    HeatZone z = living();
    SECTION("electric: worth the import price, so it runs") {
        es.heat_zones = {z};
        Decision d = EconomicsPolicy(es).decide(s, {});
        CHECK(d.miner_ceiling_w.at("a") > 0);
        CHECK(d.miner_ceiling_w.at("b") > 0);
        CHECK(d.miner_ceiling_w.at("c") == 0);   // no zone, no credit
        CHECK(d.reason.find("heat credited to 2 miners") != std::string::npos);
    }
    SECTION("heat pump at COP 10: the credit is too small") {
        z.replaces = HeatReplaces::heat_pump;
        z.cop = 10;
        es.heat_zones = {z};
        Decision d = EconomicsPolicy(es).decide(s, {});
        CHECK(d.miner_ceiling_w.at("a") == 0);
    }
    SECTION("gas: dear gas pays for the miners") {
        z.replaces = HeatReplaces::gas;
        z.gas_price_per_kwh = 0.18;
        z.boiler_efficiency = 0.9;
        es.heat_zones = {z};
        Decision d = EconomicsPolicy(es).decide(s, {});
        CHECK(d.miner_ceiling_w.at("a") > 0);
    }
    SECTION("warm room: no credit") {
        es.heat_zones = {z};
        put(s, "living.temp_c", 19);
        Decision d = EconomicsPolicy(es).decide(s, {});
        CHECK(d.miner_ceiling_w.at("a") == 0);
        CHECK(d.reason.find("heat credited") == std::string::npos);
    }
}

TEST_CASE("heat: economics reports hash revenue and heat value apart", "[heat][credit]") {
    auto es = EconomicsSettings::from(Options{});  // the declared defaults
    es.hashprice_per_th_day = 0.048;
    es.import_per_kwh = 0.20;
    HeatZone z = living();
    z.replaces = HeatReplaces::heat_pump;
    z.cop = 4;
    es.heat_zones = {z};
    auto fleet = zone_fleet();
    for (auto& m : {&fleet[0], &fleet[2]}) {   // a (in the zone) and c (not) run at 100 W, 2 TH/s
        m->target = loop::run_at(*m, loop::allowed_levels(*m), 0);
        m->target.power_w = 100;
        m->state->power_w = 100;
        m->state->hashrate_ths = 2;
    }
    SiteSnapshot s = test::snapshot_with_grid(kMonday, 100, fleet);
    put(s, "living.temp_c", 16);
    Decision d = EconomicsPolicy(es).decide(s, {});
    // 2 TH/s x 0.048 per TH/s per day = 0.004 per hour; 0.1 kW x 0.20 / 4 = 0.005 per hour.
    CHECK(d.report.miner_hash_value_per_h.at("a") == Approx(0.004));
    CHECK(d.report.miner_heat_value_per_h.at("a") == Approx(0.005));
    CHECK(d.report.miner_hash_value_per_h.at("c") == Approx(0.004));
    CHECK_FALSE(d.report.miner_heat_value_per_h.count("c"));
    CHECK_FALSE(d.report.miner_hash_value_per_h.count("b"));  // paused: earns nothing
}

TEST_CASE("heat: in layered, economics goes below a floor only where the zone allows it",
          "[heat]") {
    Options heat, layered, econ;
    heat.set("zones", std::int64_t{1});
    heat.set("zones[0].id", std::string("living"));
    heat.set("zones[0].miners", std::vector<std::string>{"a", "b"});
    heat.set("zones[0].temperature", std::string("living.temp_c"));
    heat.set("zones[0].max_power_w", 500.0);
    heat.set("zones[0].replaces", std::string("gas"));   // gas at 0: the heat is worth nothing
    econ.set("hashprice_per_th_day", 0.05);
    econ.set("import_per_kwh", 0.30);
    layered.set("layers", std::vector<std::string>{"manual", "heat_demand", "economics"});
    SiteSnapshot s = test::snapshot_with_grid(kMonday, 100, zone_fleet());
    put(s, "living.temp_c", 15);

    SECTION("not allowed: the floor stands") {
        auto policy = make_policy("layered", {{"layered", layered}, {"heat_demand", heat},
                                              {"economics", econ}});
        auto t = loop::decide_tick(*policy, s, {}, {}, {});
        CHECK(t.decision.miner_floor_w.count("a"));
        CHECK(t.governed[0].target.run);
    }
    SECTION("allowed: economics pauses the zone") {
        heat.set("zones[0].below_floor_allowed", true);
        auto policy = make_policy("layered", {{"layered", layered}, {"heat_demand", heat},
                                              {"economics", econ}});
        auto t = loop::decide_tick(*policy, s, {}, {}, {});
        CHECK(t.decision.miner_floor_w.empty());
        CHECK_FALSE(t.governed[0].target.run);
        CHECK_FALSE(t.governed[1].target.run);
    }
    SECTION("a manual off wins over heat") {
        auto policy = make_policy("layered", {{"layered", layered}, {"heat_demand", heat},
                                              {"economics", econ}});
        ManualOverride m;
        m.mode = ManualOverride::Mode::off;
        m.until = kMonday + 1h;
        s.manual = m;
        auto t = loop::decide_tick(*policy, s, {}, {}, {});
        CHECK(t.decision.miner_floor_w.empty());
        for (const auto& g : t.governed) CHECK_FALSE(g.target.run);
    }
}

namespace {

// A physical layer that reports an emergency shed (a generator dip) with a small budget.
class EmergencyLayer final : public Policy {
public:
    std::string_view name() const override { return "genset_follow"; }
    Precedence precedence() const override { return Precedence::physical_limit; }
    Decision decide(const SiteSnapshot&, const PolicyMemory& memory) const override {
        Decision d;
        d.policy = "genset_follow";
        d.budget_w = 50;
        d.emergency = d.shed = true;
        d.reason = "frequency dip";
        d.memory = memory;
        return d;
    }
};

}  // namespace

TEST_CASE("heat: an emergency shed drops every heat floor", "[heat]") {
    std::vector<std::unique_ptr<Policy>> layers;
    layers.push_back(std::make_unique<HeatDemandPolicy>(policy_of({living()})));
    layers.push_back(std::make_unique<EmergencyLayer>());
    LayeredPolicy policy(std::move(layers));
    SiteSnapshot s;
    s.now = kMonday;
    s.miners = zone_fleet();
    put(s, "living.temp_c", 12);
    REQUIRE_FALSE(policy_of({living()}).decide(s, {}).miner_floor_w.empty());
    Decision d = policy.decide(s, {});
    CHECK(d.emergency);
    CHECK(d.miner_floor_w.empty());
    CHECK(d.budget_w == 50);
    auto t = loop::decide_tick(policy, s, {}, {}, {});
    double total = 0;
    for (const auto& g : t.governed) total += g.target.run ? g.target.power_w : 0;
    CHECK(total <= 50);
}

TEST_CASE("heat: a schedule cap keeps only the floors that fit under it", "[heat]") {
    Options heat, layered, schedule;
    heat.set("zones", std::int64_t{1});
    heat.set("zones[0].id", std::string("living"));
    heat.set("zones[0].miners", std::vector<std::string>{"a", "b"});
    heat.set("zones[0].temperature", std::string("living.temp_c"));
    layered.set("layers", std::vector<std::string>{"schedule", "heat_demand"});
    schedule.set("windows", std::vector<std::string>{"00:00-24:00 250W"});
    SiteSnapshot s;
    s.now = kMonday;
    s.miners = zone_fleet();
    put(s, "living.temp_c", 12);   // cold: the zone wants all it may have
    for (double zone_max : {800.0, 200.0}) {
        heat.set("zones[0].max_power_w", zone_max);
        auto policy = make_policy("layered", {{"layered", layered}, {"heat_demand", heat},
                                              {"schedule", schedule}});
        auto t = loop::decide_tick(*policy, s, {}, {}, {});
        double floors = 0, total = 0;
        for (const auto& [_, w] : t.decision.miner_floor_w) floors += w;
        for (const auto& g : t.governed) total += g.target.run ? g.target.power_w : 0;
        INFO("zone max " << zone_max << ": " << t.decision.reason);
        CHECK(floors <= 250 + 1e-9);
        CHECK(total <= 250 + 1e-9);
        if (zone_max == 200) CHECK(t.decision.miner_floor_w.count("a"));   // 200 W fits
    }
}

TEST_CASE("heat: the next comfort window is found ahead, across midnight and the weekend",
          "[heat][preheat]") {
    ScheduleSettings comfort;
    comfort.utc_offset_min = 60;
    comfort.windows = {*parse_window("mon-fri 06:00-08:30 max").window};
    const TimePoint at_0400 = kMonday + 3h;   // 04:00 local on Monday
    CHECK(next_window_start(comfort, at_0400, 3h) == kMonday + 5h);
    CHECK_FALSE(next_window_start(comfort, at_0400, 1h));
    CHECK_FALSE(next_window_start(comfort, kMonday + 5h, 3h));   // it starts now, not ahead
    // Friday 23:00 local: the weekend has no window.
    CHECK_FALSE(next_window_start(comfort, kMonday + 24h * 4 + 22h, 12h));
    // Sunday 22:00 local: Monday 06:00, across midnight.
    CHECK(next_window_start(comfort, kMonday - 3h, 9h) == kMonday + 5h);
}

TEST_CASE("heat: optimum start warms up ahead of comfort and latches until it opens",
          "[heat][preheat]") {
    HeatZone z = living();
    z.comfort.windows = {*parse_window("06:00-22:00 max").window};
    z.preheat_max = Duration{2h};
    z.min_rest = Duration{0};
    auto policy = policy_of({z});
    SiteSnapshot s;
    s.miners = zone_fleet();
    put(s, "living.temp_c", 17.2);   // inside the setback band: no heat for setback's sake

    s.now = kMonday + 3h;            // 3 h ahead: beyond preheat_max
    Decision d = policy.decide(s, {});
    CHECK(d.miner_floor_w.empty());
    CHECK_FALSE(z.wants_heat(s, false));

    s.now = kMonday + 4h + 30min;    // 1.5 h ahead, 3.8 K to go at the assumed 1 K/h: start
    put(s, "living.temp_c", 17.2);
    d = policy.decide(s, d.memory);
    CHECK(d.miner_floor_w.count("a"));
    CHECK(d.reason.find("pre-heating") != std::string::npos);
    REQUIRE(d.report.heat_zones.size() == 1);
    CHECK(d.report.heat_zones[0].preheating);
    CHECK(d.report.heat_zones[0].heating);
    CHECK(d.report.heat_zones[0].target_c == 21);
    CHECK(z.wants_heat(s, false));   // heat stored for the window is wanted

    s.now = kMonday + 5h;            // warmer now, less to go: still pre-heating
    put(s, "living.temp_c", 20.0);
    d = policy.decide(s, d.memory);
    CHECK(d.miner_floor_w.count("a"));

    s.now = kMonday + 6h + 1min;     // in comfort: the plain setpoint
    put(s, "living.temp_c", 21.0);
    d = policy.decide(s, d.memory);
    CHECK(d.reason.find("pre-heating") == std::string::npos);
    CHECK_FALSE(state_of<HeatDemandState>(d.memory).zones.at("living").preheat_for);
}

TEST_CASE("heat: the warming rate is learnt from full-power heating", "[heat][preheat]") {
    HeatZone z = living();
    z.min_rest = Duration{0};
    auto policy = policy_of({z});
    SiteSnapshot s;
    s.miners = zone_fleet();
    s.now = kMonday;
    PolicyMemory mem;
    // 3 K below the setback's band for 20 minutes, warming 1 K: full power, 3 K/h.
    for (int minute = 0; minute <= 20; ++minute) {
        put(s, "living.temp_c", 13.0 + minute / 20.0);
        Decision d = policy.decide(s, mem);
        mem = d.memory;
        s.now += 1min;
    }
    // The assumed 1 K/h moved 30 % of the way to the sample.
    CHECK(state_of<HeatDemandState>(mem).zones.at("living").warm_k_per_h ==
          Approx(1.0 + 0.3 * (3.0 - 1.0)).epsilon(0.01));
}
