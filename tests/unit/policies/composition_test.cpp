// Schedule, manual override and the layered policy's precedence; config of the new keys.
#include <catch2/catch.hpp>

#include "daemon/config/config.hpp"
#include "daemon/loop/allocator.hpp"
#include "daemon/loop/governor.hpp"
#include "policies/layered/layered.hpp"
#include "policies/manual/manual.hpp"
#include "policies/registry.hpp"
#include "policies/schedule/schedule.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using test::kMonday;
using test::put;

namespace {
std::vector<MinerView> fleet3() {
    return {test::online_miner("a", test::ladder_caps(10, 30, 3)),
            test::online_miner("b", test::ladder_caps(10, 30, 3)),
            test::online_miner("c", test::ladder_caps(10, 30, 3))};
}

std::unique_ptr<Policy> layered(std::vector<std::string> layers,
                                std::map<std::string, Options> tables = {}) {
    Options o;
    o.set("layers", layers);
    tables["layered"] = o;
    return policies::make_policy("layered", tables);
}

ManualOverride manual(ManualOverride::Mode mode, TimePoint until) {
    ManualOverride m;
    m.mode = mode;
    m.until = until;
    m.by = "test";
    return m;
}

config::Catalog catalog() {
    config::Catalog c;
    for (const auto& t : policies::policy_types()) c.policies[t.name] = t.keys;
    return c;
}
}  // namespace

TEST_CASE("schedule: window syntax", "[schedule]") {
    auto w = policies::parse_window("mon-fri 17:00-20:00 off");
    REQUIRE(w.window);
    REQUIRE(w.window->days == 0x1f);
    REQUIRE(w.window->start_min == 17 * 60);
    REQUIRE(policies::parse_window("sat,sun 22:00-06:00 1500W").window->cap_w == 1500);
    REQUIRE(policies::parse_window("fri-mon 00:00-24:00 max").window->days == (0x10 | 0x20 | 0x40 | 0x01));
    for (const char* bad : {"", "17:00-20:00", "mon 17:00-20:00 loud", "xyz 17:00-20:00 off",
                            "25:00-26:00 off", "17:00-17:00 off", "17:0-18:00 off", "1 2 3 4",
                            "10:00-11:00 -5W", "10:00-11:00 5kW"})
        REQUIRE_FALSE(policies::parse_window(bad).window);
}

TEST_CASE("schedule: windows apply in local time, first match wins", "[schedule]") {
    policies::ScheduleSettings s;
    for (const char* t : {"mon-fri 17:00-20:00 off", "22:00-06:00 max", "sat 10:00-12:00 20W"})
        s.windows.push_back(*policies::parse_window(t).window);
    s.utc_offset_min = 60;
    policies::SchedulePolicy p(s);
    auto snap = test::snapshot_with_grid(kMonday + 16h + 30min, 0, fleet3());   // 17:30 local
    REQUIRE(p.intent(snap)->mode == policies::Intent::Mode::off);
    snap.now = kMonday + 21h + 30min;                                            // 22:30 local
    REQUIRE(p.intent(snap)->mode == policies::Intent::Mode::max);
    snap.now = kMonday + 24h + 4h;                                               // Tue 05:00
    REQUIRE(p.intent(snap)->mode == policies::Intent::Mode::max);
    snap.now = kMonday + 24h + 12h;                                              // Tue 13:00
    REQUIRE_FALSE(p.intent(snap));
    REQUIRE(p.decide(snap, {}).budget_w == 0);                                   // alone: paused
    snap.now = kMonday + 5 * 24h + 10h;                                          // Sat 11:00
    auto d = p.decide(snap, {});
    REQUIRE(d.budget_w == 20);
}

TEST_CASE("manual: off, min and max until the expiry", "[manual]") {
    policies::ManualPolicy p;
    auto snap = test::snapshot_with_grid(kMonday, 0, fleet3());
    REQUIRE(p.decide(snap, {}).budget_w == 0);    // nothing set: paused
    snap.manual = manual(ManualOverride::Mode::max, kMonday + 1h);
    REQUIRE(p.decide(snap, {}).budget_w == 90);
    snap.manual = manual(ManualOverride::Mode::min, kMonday + 1h);
    auto d = p.decide(snap, {});
    auto a = loop::allocate(d.budget_w, snap.miners, {.start_margin_w = 10, .ceiling_w = &d.miner_ceiling_w});
    for (const auto& t : a.targets) {
        REQUIRE(t.run);
        REQUIRE(t.power_w == 10);
    }
    snap.now = kMonday + 1h;                      // expired
    REQUIRE_FALSE(p.intent(snap));
}

TEST_CASE("layered: manual beats the physical limit, safety beats manual", "[layered]") {
    auto p = layered({"solar_surplus", "manual"});
    // Importing 200 W: solar alone would shed to nothing.
    auto snap = test::snapshot_with_grid(kMonday, 200, fleet3());
    auto d = p->decide(snap, {});
    REQUIRE(d.budget_w == 0);
    REQUIRE(d.shed);
    // Manual max: the operator's word wins over solar's limit.
    snap.manual = manual(ManualOverride::Mode::max, kMonday + 1h);
    d = p->decide(snap, {});
    REQUIRE(d.budget_w == 90);
    REQUIRE(d.reason.find("manual override: max") == 0);
    // ...but not over a stale grid reading (safety).
    put(snap, signal::kGridPowerW, 0, 10s);
    d = p->decide(snap, {});
    REQUIRE(d.fail_safe);
    // Manual off wins over a surplus.
    auto sunny = test::snapshot_with_grid(kMonday, -500, fleet3());
    sunny.manual = manual(ManualOverride::Mode::off, kMonday + 1h);
    d = p->decide(sunny, {});
    REQUIRE(d.budget_w == 0);
    for (const auto& [id, w] : d.miner_ceiling_w) REQUIRE(w == 0);
}

TEST_CASE("layered: a generator emergency caps even a manual max", "[layered]") {
    Options g;
    g.set("rating_w", 100.0);
    auto p = layered({"manual", "genset_follow"}, {{"genset_follow", g}});
    auto fleet = fleet3();
    for (auto& m : fleet) {
        m.target = loop::run_at(m, m.caps.levels, 2);
        m.state->power_w = 30;
    }
    SiteSnapshot snap;
    snap.now = kMonday;
    snap.miners = fleet;
    put(snap, signal::kGensetPowerW, 95);
    put(snap, signal::kGensetFrequencyHz, 57.5);   // a dip
    snap.manual = manual(ManualOverride::Mode::max, kMonday + 1h);
    auto d = p->decide(snap, {});
    REQUIRE(d.emergency);
    REQUIRE(d.budget_w < 90);
}

TEST_CASE("layered: the schedule sits between manual and the physical limits", "[layered]") {
    Options s;
    s.set("windows", std::vector<std::string>{"00:00-24:00 off"});
    auto p = layered({"economics", "schedule", "manual", "solar_surplus"}, {{"schedule", s}});
    auto snap = test::snapshot_with_grid(kMonday, -500, fleet3());
    put(snap, signal::kHashpricePerThDay, 1.0);
    REQUIRE(p->decide(snap, {}).budget_w == 0);   // the schedule's off beats the surplus
    snap.manual = manual(ManualOverride::Mode::max, kMonday + 1h);
    REQUIRE(p->decide(snap, {}).budget_w == 90);  // manual beats the schedule
}

TEST_CASE("layered: economics switches miners off inside the solar budget", "[layered]") {
    Options e;
    e.set("start_delay", Duration{0});
    Options sol;
    sol.set("enable_delay", Duration{0});
    auto p = layered({"solar_surplus", "economics"}, {{"economics", e}, {"solar_surplus", sol}});
    auto fleet = fleet3();
    // Miner c is a power hog: 10x the J/TH of the others.
    for (auto& l : fleet[2].caps.levels) l.hashrate_ths /= 10;
    auto snap = test::snapshot_with_grid(kMonday, -500, fleet);
    put(snap, signal::kPriceFeedInPerKwh, 0.08);
    // a and b: 10 W for 0.05*10^0.8 = 0.315 TH/s, ~32 J/TH; hashprice 0.1 earns ~0.13/kWh.
    put(snap, signal::kHashpricePerThDay, 0.1);
    PolicyMemory mem;
    auto d = p->decide(snap, mem);
    mem = d.memory;
    d = p->decide(snap, mem);
    REQUIRE_FALSE(d.fail_safe);
    REQUIRE(d.miner_ceiling_w.at("c") == 0);
    REQUIRE(d.miner_ceiling_w.at("a") > 0);
    REQUIRE(d.budget_w <= 450 + 1e-9);            // never above the solar surplus
    auto a = loop::allocate(d.budget_w, snap.miners, {.ceiling_w = &d.miner_ceiling_w});
    REQUIRE(a.targets[0].run);
    REQUIRE_FALSE(a.targets[2].run);
    // Memory is kept per layer.
    const auto layers = policies::state_of<policies::LayeredState>(mem).layers;
    REQUIRE(layers.count("solar_surplus"));
    REQUIRE(policies::state_of<policies::SolarSurplusState>(layers.at("solar_surplus")).running);
    // No hashprice: economics cannot decide, so the fleet goes to its safe state.
    snap.readings.erase(std::string(signal::kHashpricePerThDay));
    REQUIRE(p->decide(snap, mem).fail_safe);
}

TEST_CASE("layered: properties over generated snapshots", "[layered]") {
    std::mt19937 rng(9);
    std::uniform_real_distribution<double> grid(-500, 200), coin(0, 1);
    Options sol;
    sol.set("enable_delay", Duration{0});
    auto p = layered({"manual", "schedule", "solar_surplus", "economics"}, {{"solar_surplus", sol}});
    loop::SiteLimits limits;
    limits.max_draw_w = 300;
    for (int k = 0; k < 1000; ++k) {
        auto snap = test::snapshot_with_grid(kMonday + std::chrono::seconds(k), grid(rng),
                                             test::random_fleet(rng, 8));
        put(snap, signal::kHashpricePerThDay, coin(rng));
        put(snap, signal::kPriceImportPerKwh, coin(rng) * 0.3);
        if (coin(rng) < 0.2) put(snap, signal::kGridPowerW, 0, 10s);
        if (coin(rng) < 0.3)
            snap.manual = manual(static_cast<ManualOverride::Mode>(k % 3), snap.now + 1min);
        auto d = p->decide(snap, {});
        REQUIRE(d.fail_safe == !snap.fresh(signal::kGridPowerW));
        auto proposal = d.hold ? loop::current_targets(snap)
                               : loop::allocate(d.budget_w, snap.miners, {.ceiling_w = &d.miner_ceiling_w}).targets;
        auto g = loop::govern(proposal, snap, limits, {.fail_safe = d.fail_safe, .shed = d.shed}).targets;
        double planned = 0;
        for (std::size_t i = 0; i < g.size(); ++i) {
            if (!g[i].target.run) continue;
            planned += g[i].target.power_w;
            if (!d.fail_safe && !d.hold) {
                auto c = d.miner_ceiling_w.find(snap.miners[i].id);
                if (c != d.miner_ceiling_w.end()) REQUIRE(g[i].target.power_w <= c->second + 1e-9);
            }
        }
        REQUIRE(planned <= limits.max_draw_w + 1e-9);
        if (!d.fail_safe && !d.hold) REQUIRE(planned <= d.budget_w + 1e-9);
        if (d.fail_safe)
            for (std::size_t i = 0; i < g.size(); ++i)
                REQUIRE(g[i].target == loop::safe_target(snap.miners[i], loop::SafeState::paused));
    }
}

TEST_CASE("config: the new policies' keys are validated", "[layered][config]") {
    auto ok = config::load_string(R"(
[policy]
use = "layered"
[policy.layered]
layers = ["manual", "schedule", "genset_follow", "economics"]
[policy.schedule]
windows = ["mon-fri 17:00-20:00 off", "22:00-06:00 max"]
[policy.genset_follow]
rating_w = 400000
[policy.economics]
hashprice_per_th_day = 0.05
[site]
max_draw_w = 1000
)", "t.toml", catalog());
    std::string problems;
    for (const auto& d : ok.diagnostics) problems += d.format() + "\n";
    INFO(problems);
    REQUIRE(ok.diagnostics.empty());
    REQUIRE(ok.config->policy_tables.at("genset_follow").get_number("rating_w") == 400000);
    auto policy = policies::make_policy("layered", ok.config->policy_tables);
    REQUIRE(policy);
    REQUIRE(policy->name() == "layered");

    auto bad = config::load_string(R"(
[policy]
use = "layered"
[policy.layered]
layers = ["manual", "solar"]
[policy.schedule]
windows = ["mon-fri 17:00-20:00 loud"]
[policy.genset_follow]
band_low_pct = 150
[policy.economics]
lookahead = "soon"
[site]
max_draw_w = 1000
)", "t.toml", catalog());
    std::string all;
    for (const auto& d : bad.diagnostics) all += d.format() + "\n";
    INFO(all);
    REQUIRE(bad.diagnostics.size() == 4);
    CHECK(all.find("t.toml:5:21: error: policy.layered.layers[1]: \"solar\" is not one of") != std::string::npos);
    CHECK(all.find("policy.schedule.windows: window 1 \"mon-fri 17:00-20:00 loud\": unknown mode \"loud\"") != std::string::npos);
    CHECK(all.find("policy.genset_follow.band_low_pct") != std::string::npos);
    CHECK(all.find("policy.economics.lookahead") != std::string::npos);
}

#include <thread>

#include "daemon/loop/control_loop.hpp"

namespace {
class EventRecorder final : public loop::Recorder {
public:
    void readings(TimePoint, const std::vector<loop::ReadingRecord>&) noexcept override {}
    void miner_state(TimePoint, const std::string&, const MinerState&) noexcept override {}
    void decision(TimePoint, std::uint64_t, const Decision& d) noexcept override {
        std::lock_guard lock(m);
        reasons.push_back(d.reason);
    }
    void target(TimePoint, std::uint64_t, const std::string&, const MinerTarget&,
                const std::string&) noexcept override {}
    void apply_result(TimePoint, std::uint64_t, const std::string&, const Status&) noexcept override {}
    void event(TimePoint, Severity, const std::string& code, const std::string&,
               const std::string& message) noexcept override {
        std::lock_guard lock(m);
        if (code == "loop.override") events.push_back(message);
    }
    std::mutex m;
    std::vector<std::string> reasons, events;
};
}  // namespace

TEST_CASE("loop: set_override is thread-safe, journalled and expires", "[manual]") {
    ManualClock clock{kMonday};
    EventRecorder rec;
    loop::ControlLoop cl({}, layered({"manual", "schedule"}), clock, rec);
    cl.tick();
    REQUIRE(rec.reasons.back().find("manual") == std::string::npos);
    // Another thread (the web page, MQTT) sets it while the loop ticks.
    std::thread setter([&] {
        for (int i = 0; i < 200; ++i) cl.set_override(manual(ManualOverride::Mode::max, kMonday + 10s));
    });
    for (int i = 0; i < 200; ++i) cl.tick();
    setter.join();
    cl.tick();
    REQUIRE(rec.reasons.back().find("manual override: max") == 0);
    REQUIRE(cl.current_override());
    REQUIRE_FALSE(rec.events.empty());
    REQUIRE(rec.events.back().find("manual override max until") == 0);
    clock.advance(10s);
    cl.tick();
    REQUIRE(rec.events.back() == "manual override expired");
    REQUIRE_FALSE(cl.current_override());
    REQUIRE(rec.reasons.back().find("manual") == std::string::npos);
    cl.set_override(manual(ManualOverride::Mode::off, kMonday + 1h));
    cl.set_override(std::nullopt);
    cl.tick();
    REQUIRE(rec.events.back() == "manual override cleared");
}
