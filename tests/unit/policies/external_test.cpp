// The external policy judges the controller's latest reply: fresh and sane -> its budget and
// ceilings; silent, stale, wrong seq or hostile -> the safe state with a reason. Also its place
// in a layered policy (physical level; safety and manual still win).
#include "policies/external/external.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "daemon/loop/decide.hpp"
#include "policies/layered/layered.hpp"
#include "policies/registry.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using hashsink::policies::ExternalPolicy;
using hashsink::policies::ExternalSettings;
using test::kT0;

namespace {

// Two 10-30 W miners; the bridge has published up to `published` and the reply answers `seq`,
// taken at t0 and received 200 ms later; the snapshot is `age` after t0.
SiteSnapshot with_reply(double budget_w, Duration age = 1s, std::uint64_t seq = 7,
                        std::uint64_t published = 7) {
    SiteSnapshot s = test::snapshot_with_grid(
        kT0 + age, 0,
        {test::online_miner("a", test::ladder_caps(10, 30, 5)),
         test::online_miner("b", test::ladder_caps(10, 30, 5))});
    ExternalReply r;
    r.seq = seq;
    r.answered_at = kT0;
    r.received_at = kT0 + 200ms;
    r.budget_w = budget_w;
    r.reason = "sun is out";
    s.external = ExternalLink{published, r, ""};
    return s;
}

Decision decide(const SiteSnapshot& s, Duration deadline = 3s) {
    return ExternalPolicy(ExternalSettings{deadline}).decide(s, {});
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("external: a fresh reply sets the budget and the ceilings", "[external]") {
    auto s = with_reply(45);
    s.external->reply->miner_max_w = {{"a", 20}, {"b", 0}};
    auto d = decide(s);
    REQUIRE_FALSE(d.fail_safe);
    REQUIRE(d.budget_w == Approx(45));
    REQUIRE(d.miner_ceiling_w.at("a") == Approx(20));
    REQUIRE(d.miner_ceiling_w.at("b") == Approx(0));
    REQUIRE(has(d.reason, "seq 7"));
    REQUIRE(has(d.reason, "sun is out"));
    REQUIRE_FALSE(d.shed);
    s.external->reply->shed = true;
    REQUIRE(decide(s).shed);
}

TEST_CASE("external: the budget reaches the miners through allocator and governor",
          "[external]") {
    auto s = with_reply(30);
    s.external->reply->miner_max_w = {{"b", 0}};
    loop::SiteLimits limits;
    limits.period = 1s;
    limits.min_dwell = 0s;
    auto t =
        loop::decide_tick(ExternalPolicy(ExternalSettings::from(Options{})), s, {}, limits, {});
    REQUIRE(t.governed.size() == 2);
    REQUIRE(t.governed[0].target.run);
    REQUIRE(t.governed[0].target.power_w <= 30 + 1e-9);
    REQUIRE_FALSE(t.governed[1].target.run);   // its ceiling is 0
}

TEST_CASE("external: silence past the deadline is the safe state", "[external]") {
    auto d = decide(with_reply(45, 4200ms));
    REQUIRE(d.fail_safe);
    REQUIRE(d.budget_w == 0);
    REQUIRE(has(d.reason, "external controller silent for 4.2 s"));
    REQUIRE(has(d.reason, "deadline 3s"));
    // Just inside the deadline still counts; a longer deadline tolerates more.
    REQUIRE_FALSE(decide(with_reply(45, 3s)).fail_safe);
    REQUIRE_FALSE(decide(with_reply(45, 4200ms), 5s).fail_safe);
}

TEST_CASE("external: no bridge, no reply yet, or a refused message", "[external]") {
    SiteSnapshot none = test::snapshot_with_grid(kT0, 0, {});
    auto d = decide(none);
    REQUIRE(d.fail_safe);
    REQUIRE(has(d.reason, "no external controller bridge"));

    auto s = with_reply(45);
    s.external->reply.reset();
    s.external->refused = "refused site/decision: reply is not JSON";
    d = decide(s);
    REQUIRE(d.fail_safe);
    REQUIRE(has(d.reason, "no answer from the external controller yet"));
    REQUIRE(has(d.reason, "reply is not JSON"));

    // A refused message does not cancel the last good answer while it is fresh.
    s = with_reply(45);
    s.external->refused = "refused site/decision: reply is not JSON";
    REQUIRE_FALSE(decide(s).fail_safe);
}

TEST_CASE("external: a reply to a seq never published or long forgotten", "[external]") {
    auto d = decide(with_reply(45, 1s, 9, 7));
    REQUIRE(d.fail_safe);
    REQUIRE(has(d.reason, "seq 9, which this daemon has not published (latest 7)"));

    auto s = with_reply(45);
    s.external->reply->answered_at.reset();   // the bridge no longer knows seq 7
    d = decide(s);
    REQUIRE(d.fail_safe);
    REQUIRE(has(d.reason, "forgotten"));

    s = with_reply(45);
    s.external->reply->received_at = kT0 - 1s;
    REQUIRE(decide(s).fail_safe);

    // An answer to an older (but still recent) snapshot counts.
    REQUIRE_FALSE(decide(with_reply(45, 1s, 5, 7)).fail_safe);
}

TEST_CASE("external: hostile budgets are rejected or cut", "[external]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    for (double bad : {nan, inf, -inf}) {
        auto d = decide(with_reply(bad));
        REQUIRE(d.fail_safe);
        REQUIRE(has(d.reason, "budget_w is not a finite number"));
    }
    auto d = decide(with_reply(-5));
    REQUIRE(d.fail_safe);
    REQUIRE(has(d.reason, "budget_w is negative"));
    // More than the fleet can draw is cut to what it can (the governor then applies the site's
    // max_draw_w).
    d = decide(with_reply(1e300));
    REQUIRE_FALSE(d.fail_safe);
    REQUIRE(d.budget_w == Approx(60));
    REQUIRE(has(d.reason, "cut to the fleet's 60 W"));
    REQUIRE(decide(with_reply(0)).budget_w == 0);
}

TEST_CASE("external: hostile per-miner ceilings", "[external]") {
    auto s = with_reply(45);
    s.external->reply->miner_max_w = {{"a", std::nan("")}};
    auto d = decide(s);
    REQUIRE(d.fail_safe);
    REQUIRE(has(d.reason, "miner a: max_w is not a finite number"));

    s.external->reply->miner_max_w = {{"b", -1}};
    d = decide(s);
    REQUIRE(d.fail_safe);
    REQUIRE(has(d.reason, "miner b: max_w is negative"));

    s.external->reply->miner_max_w = {{"a", 1e12}, {"ghost", 5}, {"x/../y", 1}};
    d = decide(s);
    REQUIRE_FALSE(d.fail_safe);
    REQUIRE(d.miner_ceiling_w.count("ghost") == 0);
    REQUIRE(d.miner_ceiling_w.at("a") == 1e12);   // no tighter than the miner's own range
    REQUIRE(has(d.reason, "ignored unknown miner(s): ghost x/../y"));
}

TEST_CASE("external: the decision is a pure function of the snapshot", "[external]") {
    auto s = with_reply(45);
    s.external->reply->miner_max_w = {{"a", 20}};
    auto a = decide(s), b = decide(s);
    REQUIRE(a.budget_w == b.budget_w);
    REQUIRE(a.reason == b.reason);
    REQUIRE(a.miner_ceiling_w == b.miner_ceiling_w);
}

TEST_CASE("external: as a layer, the physical level, safety and manual still win",
          "[external]") {
    std::map<std::string, Options> tables;
    Options layered;
    layered.set("layers", std::vector<std::string>{"manual", "external", "solar_surplus"});
    tables["layered"] = layered;
    auto policy = policies::make_policy("layered", tables);
    REQUIRE(policy);

    // Both miners run at 20 W and the grid exports 100 W: solar allows more than the 45 W the
    // controller asks, so the controller's (tighter) budget wins.
    auto s = with_reply(45);
    s.readings[std::string(signal::kGridPowerW)].value = -100;
    for (auto& m : s.miners) {
        m.state->power_w = 20;
        m.state->state = MinerRunState::mining;
        m.target = MinerTarget{true, 20, 2};
    }
    // Solar has already started the fleet.
    const PolicyMemory running = policies::memory_of(policies::LayeredState{
        .layers = {
            {"solar_surplus", policies::memory_of(policies::SolarSurplusState{.running = true})}}});
    auto d = policy->decide(s, running);
    REQUIRE_FALSE(d.fail_safe);
    INFO(d.reason);
    REQUIRE(d.budget_w == Approx(45));
    REQUIRE(has(d.reason, "external: external seq 7"));
    // Little export now: solar is the tighter one.
    s.external->reply->budget_w = 1000;
    s.readings[std::string(signal::kGridPowerW)].value = -5;
    d = policy->decide(s, running);
    INFO(d.reason);
    REQUIRE(d.budget_w < 60);
    REQUIRE(has(d.reason, "solar_surplus"));

    // A silent controller puts the fleet in its safe state, even under a manual max.
    auto silent = with_reply(45, 10s);
    silent.readings[std::string(signal::kGridPowerW)].at = silent.now;
    silent.manual = ManualOverride{ManualOverride::Mode::max, silent.now + 1h, "test", ""};
    d = policy->decide(silent, {});
    REQUIRE(d.fail_safe);
    REQUIRE(has(d.reason, "external: external controller silent"));

    // A manual override wins over a fresh reply.
    auto manual = with_reply(0);
    manual.readings[std::string(signal::kGridPowerW)].value = -100;
    manual.manual = ManualOverride{ManualOverride::Mode::max, manual.now + 1h, "test", ""};
    d = policy->decide(manual, {});
    REQUIRE_FALSE(d.fail_safe);
    REQUIRE(d.budget_w == Approx(60));
}
