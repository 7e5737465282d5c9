#include <catch2/catch.hpp>

#include <random>

#include "daemon/loop/allocator.hpp"
#include "daemon/loop/governor.hpp"
#include "policies/genset_follow/genset_follow.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using test::kT0;
using test::put;

namespace {
policies::GensetFollowSettings settings() {
    auto s = policies::GensetFollowSettings::from(Options{});  // the declared defaults
    s.rating_w = 10'000;
    s.step_w = 500;
    s.settle = 10s;
    s.restart_delay = 30s;
    s.shed_hold = 20s;
    return s;
}

// A snapshot of a generator at power_w and freq_hz with the given fleet.
SiteSnapshot genset_snapshot(TimePoint now, double power_w, double freq_hz,
                             std::vector<MinerView> miners) {
    SiteSnapshot s;
    s.now = now;
    s.miners = std::move(miners);
    put(s, signal::kGensetPowerW, power_w);
    put(s, signal::kGensetFrequencyHz, freq_hz);
    put(s, signal::kGensetRunning, 1);
    put(s, signal::kGensetAlarm, 0);
    return s;
}

std::vector<MinerView> running_fleet(int n, int level) {
    std::vector<MinerView> fleet;
    for (int i = 0; i < n; ++i) {
        auto m = test::online_miner("m" + std::to_string(i), test::ladder_caps(400, 800, 5));
        if (level >= 0) {
            m.target = loop::run_at(m, m.caps.levels, static_cast<std::size_t>(level));
            m.state->power_w = m.target.power_w;
            m.target_since = kT0 - 1h;
        }
        fleet.push_back(m);
    }
    return fleet;
}
}  // namespace

TEST_CASE("genset: missing or stale inputs mean fail-safe", "[genset_follow]") {
    policies::GensetFollowPolicy p(settings());
    auto snap = genset_snapshot(kT0, 8000, 60, running_fleet(4, 2));
    REQUIRE_FALSE(p.decide(snap, {}).fail_safe);
    auto stale = snap;
    put(stale, signal::kGensetPowerW, 8000, 6s);
    REQUIRE(p.decide(stale, {}).fail_safe);
    REQUIRE(p.decide(stale, {}).reason == "generator power is stale");
    auto no_power = snap;
    no_power.readings.erase(std::string(signal::kGensetPowerW));
    REQUIRE(p.decide(no_power, {}).fail_safe);
    auto stale_freq = snap;
    put(stale_freq, signal::kGensetFrequencyHz, 60, 10s);
    REQUIRE(p.decide(stale_freq, {}).fail_safe);
    auto s = settings();
    s.rating_w = 0;   // no rating anywhere
    REQUIRE(policies::GensetFollowPolicy(s).decide(snap, {}).fail_safe);
    put(snap, signal::kGensetRatingW, 10'000);
    REQUIRE_FALSE(policies::GensetFollowPolicy(s).decide(snap, {}).fail_safe);
}

TEST_CASE("genset: sheds in the same tick on a dip, an overload or an alarm", "[genset_follow]") {
    policies::GensetFollowPolicy p(settings());
    auto fleet = running_fleet(10, 2);   // 10 x 600 W = 6 kW planned
    auto ok = genset_snapshot(kT0, 8000, 60, fleet);
    auto d = p.decide(ok, {});
    REQUIRE(d.hold);
    REQUIRE_FALSE(d.emergency);

    auto dip = genset_snapshot(kT0, 8000, 58.5, fleet);
    d = p.decide(dip, {});
    REQUIRE(d.emergency);
    REQUIRE(d.shed);
    REQUIRE(d.budget_w < 6000 - 499);   // back to the lower band edge, at least one step

    auto over = genset_snapshot(kT0, 9700, 60, fleet);
    d = p.decide(over, {});
    REQUIRE(d.emergency);
    REQUIRE(d.budget_w == Approx(6000 - (9700 - 7500)));

    auto alarm = genset_snapshot(kT0, 8000, 60, fleet);
    put(alarm, signal::kGensetAlarm, 1);
    d = p.decide(alarm, {});
    REQUIRE(d.emergency);
    REQUIRE(d.reason.find("alarm") != std::string::npos);

    // The governor lets the shed through at once, dwell or not.
    for (auto& m : fleet) m.target_since = kT0 - 1s;
    dip.miners = fleet;
    d = p.decide(dip, {});
    auto proposal = loop::allocate(d.budget_w, dip.miners).targets;
    loop::SiteLimits limits;
    limits.min_dwell = 60s;
    limits.ramp_down_w_per_s = 50;   // never applies to a shed
    auto g = loop::govern(proposal, dip, limits, {.shed = d.shed || d.emergency}).targets;
    double planned = 0;
    for (const auto& t : g) planned += t.target.run ? t.target.power_w : 0;
    REQUIRE(planned <= d.budget_w + 1e-9);
}

TEST_CASE("genset: staged start after a restart, one step per settling time", "[genset_follow]") {
    policies::GensetFollowPolicy p(settings());
    auto fleet = running_fleet(12, -1);
    PolicyMemory mem;
    // The generator stops: nothing planned.
    auto snap = genset_snapshot(kT0, 0, 0, fleet);
    put(snap, signal::kGensetRunning, 0);
    auto d = p.decide(snap, mem);
    REQUIRE(d.budget_w == 0);
    mem = d.memory;
    // It runs again: unloaded during restart_delay.
    TimePoint now = kT0 + 5s;
    int adds = 0;
    TimePoint first_add{};
    std::vector<TimePoint> add_times;
    for (int s = 0; s < 120; ++s, now += 1s) {
        d = p.decide(genset_snapshot(now, 300, 60, fleet), mem);
        mem = d.memory;
        if (!d.hold && d.budget_w > 0) {
            ++adds;
            add_times.push_back(now);
            if (first_add == TimePoint{}) first_add = now;
        }
    }
    REQUIRE(first_add - (kT0 + 5s) >= 30s);
    REQUIRE(adds >= 2);
    for (std::size_t i = 1; i < add_times.size(); ++i) REQUIRE(add_times[i] - add_times[i - 1] >= 10s);
}

TEST_CASE("genset: a rebooting miner or a pool outage does not make it add load", "[genset_follow]") {
    policies::GensetFollowPolicy p(settings());
    auto fleet = running_fleet(12, 2);   // 7.2 kW planned, inside the band with 1 kW other load
    // Three miners lost their pool: they draw almost nothing, the generator sees 6.4 kW.
    for (int i = 0; i < 3; ++i) fleet[i].state->power_w = 60;
    auto snap = genset_snapshot(kT0, 1000 + 9 * 600 + 180, 60, fleet);
    auto d = p.decide(snap, {});
    REQUIRE(d.hold);                      // no load added that would overload on their return
    REQUIRE(d.budget_w == Approx(7200));  // and none taken off either
}

TEST_CASE("genset: properties over generated snapshots", "[genset_follow]") {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> load(0, 12'000), freq(57, 61), coin(0, 1);
    policies::GensetFollowPolicy p(settings());
    loop::SiteLimits limits;
    for (int k = 0; k < 2000; ++k) {
        auto fleet = test::random_fleet(rng, 12);
        for (auto& m : fleet)
            if (m.state_fresh && coin(rng) < 0.5) {
                m.target = loop::run_at(m, loop::allowed_levels(m).empty() ? m.caps.levels
                                                                           : loop::allowed_levels(m), 0);
                m.target_since = kT0 - 1h;   // dwell passed: the plan must fit the budget
            }
        auto snap = genset_snapshot(kT0, load(rng), freq(rng), fleet);
        if (coin(rng) < 0.1) put(snap, signal::kGensetPowerW, 5000, 20s);
        auto d = p.decide(snap, {});
        const bool stale = !snap.fresh(signal::kGensetPowerW);
        REQUIRE(d.fail_safe == stale);
        if (d.fail_safe) continue;
        auto proposal = d.hold ? loop::current_targets(snap) : loop::allocate(d.budget_w, snap.miners).targets;
        auto g = loop::govern(proposal, snap, limits, {.shed = d.shed || d.emergency}).targets;
        double before = 0, after = 0;
        for (std::size_t i = 0; i < g.size(); ++i) {
            before += snap.miners[i].state_fresh && snap.miners[i].target.run ? snap.miners[i].target.power_w : 0;
            after += g[i].target.run ? g[i].target.power_w : 0;
        }
        // An emergency never adds load; a step never adds more than the step (plus one start).
        if (d.emergency) REQUIRE(after <= before + 1e-9);
        if (!d.hold) REQUIRE(after <= d.budget_w + 1e-9);
    }
}

// Closed loop: a 10 kW generator whose gas supply dips, other site load, 16 miners of 400-800 W,
// the real policy, allocator and governor (dwell, ramp-down). The generator is overloaded when
// the load exceeds what the gas supply can carry: frequency sags at once, and the next tick must
// shed.
namespace {
struct GensetRun {
    int overload_ticks = 0;        // load above the rating
    int longest_sag_s = 0;         // frequency below the shed threshold, consecutive
    double band_share = 0;         // share of supplied time inside the band
    double switches_per_miner_hour = 0;
    double largest_controlled_drop_w = 0;
};

// house_step_w: other load that starts every half hour for ten minutes (a pump), taking the
// generator above its band but not past its rating: the policy gives load back, unforced.
GensetRun run_genset(double noise_hz, bool supply_dips, double house_step_w = 0) {
    std::mt19937 rng(11);
    std::normal_distribution<double> noise(0, noise_hz), house_noise(0, 50);
    auto s = settings();
    policies::GensetFollowPolicy p(s);
    std::vector<MinerView> fleet = running_fleet(16, -1);
    loop::SiteLimits limits;
    limits.min_dwell = 10s;
    limits.ramp_down_w_per_s = 200;
    PolicyMemory mem;
    GensetRun r;
    TimePoint now = kT0;
    int sag = 0, in_band = 0, supplied = 0, switches = 0;
    const int hours = 3;
    double prev_load = 0;
    for (int t = 0; t < hours * 3600; ++t) {
        now += 1s;
        // Gas supply: the generator can carry its rating, except during dips to 70 %.
        double capacity = s.rating_w;
        if (supply_dips && (t % 2400) > 1800 && (t % 2400) < 2100) capacity = 0.7 * s.rating_w;
        double miners_w = 0;
        for (auto& m : fleet) {
            double w = m.target.run ? m.target.power_w : 0;
            m.state->power_w = w;
            miners_w += w;
        }
        const double step = (t % 1800) >= 600 && (t % 1800) < 1200 ? house_step_w : 0;
        const double house = 800 + step + house_noise(rng);
        const double load = house + miners_w;
        if (load > s.rating_w) ++r.overload_ticks;
        // Frequency sags in proportion to the load the gas cannot carry.
        double f = 60 - 8 * std::max(0.0, load - capacity) / s.rating_w + noise(rng);
        sag = f < 59 ? sag + 1 : 0;
        r.longest_sag_s = std::max(r.longest_sag_s, sag);
        if (capacity >= s.rating_w && t > 900) {
            ++supplied;
            if (load >= 0.73 * s.rating_w && load <= 0.92 * s.rating_w) ++in_band;
        }
        auto snap = genset_snapshot(now, std::min(load, capacity * 1.05), f, fleet);
        auto d = p.decide(snap, mem);
        mem = d.memory;
        auto proposal = d.hold ? loop::current_targets(snap) : loop::allocate(d.budget_w, fleet).targets;
        auto g = loop::govern(proposal, snap, limits, {.fail_safe = d.fail_safe, .shed = d.shed || d.emergency}).targets;
        double next = house;
        for (std::size_t i = 0; i < fleet.size(); ++i) {
            if (g[i].changed) {
                if (g[i].target.run != fleet[i].target.run) ++switches;
                fleet[i].target = g[i].target;
                fleet[i].target_since = now;
            }
            next += fleet[i].target.run ? fleet[i].target.power_w : 0;
        }
        if (!d.emergency && !d.shed) r.largest_controlled_drop_w = std::max(r.largest_controlled_drop_w, load - next);
        prev_load = load;
    }
    (void)prev_load;
    r.band_share = supplied ? static_cast<double>(in_band) / supplied : 0;
    r.switches_per_miner_hour = switches / 16.0 / hours;
    return r;
}
}  // namespace

TEST_CASE("genset closed loop: never overloaded, dips shed at once, band held", "[genset_follow]") {
    auto calm = run_genset(0.05, false);
    CHECK(calm.overload_ticks == 0);
    CHECK(calm.longest_sag_s == 0);
    CHECK(calm.band_share > 0.95);
    CHECK(calm.switches_per_miner_hour < 2);
    auto dips = run_genset(0.1, true);
    CHECK(dips.overload_ticks == 0);
    // A supply dip sags the frequency for the tick it happens in; the shed follows at once.
    CHECK(dips.longest_sag_s <= 2);
    CHECK(dips.band_share > 0.8);
    CHECK(dips.switches_per_miner_hour < 6);
    // A dip is shed (the frequency sags): nothing here decreases unforced (within rounding).
    CHECK(dips.largest_controlled_drop_w < 1);
    // A pump takes the generator above its band, not past its rating: the decreases are
    // controlled, paced by the ramp-down limit (200 W a tick, or one miner of up to 800 W).
    auto pump = run_genset(0.05, false, 1500);
    CHECK(pump.overload_ticks == 0);
    CHECK(pump.longest_sag_s == 0);
    CHECK(pump.largest_controlled_drop_w > 0);
    CHECK(pump.largest_controlled_drop_w <= 800);
}
