#include "daemon/loop/site_limit.hpp"

#include <catch2/catch.hpp>
#include <cmath>

#include "daemon/loop/allocator.hpp"
#include "daemon/loop/decide.hpp"
#include "daemon/loop/governor.hpp"
#include "tests/support/fleet.hpp"
#include "tests/support/recorded_events.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

namespace {
const TimePoint kNow{std::chrono::seconds{1'800'000'000}};

double planned(const std::vector<loop::GovernedTarget>& g) {
    double s = 0;
    for (const auto& t : g) s += t.target.run ? t.target.power_w : 0;
    return s;
}

loop::SiteLimitRequest limit(double w, Duration heartbeat = Duration{0}, double failsafe_w = 0) {
    return {.limit_w = w, .heartbeat = heartbeat, .failsafe_w = failsafe_w, .note = "test"};
}
}  // namespace

TEST_CASE("site limit: the lowest source applies and each change is journalled once",
          "[site_limit]") {
    loop::SiteLimitCommands limits;
    test::RecordedEvents journal;
    CHECK_FALSE(limits.carry(kNow, journal));
    limits.set("modbus", limit(1500), kNow);
    limits.set("fleet", limit(900), kNow);
    auto applied = limits.carry(kNow, journal);
    REQUIRE(applied);
    CHECK(*applied == Approx(900));
    CHECK(journal.codes == std::vector<std::string>{"site.limit", "site.limit"});
    // A manager rewriting the same value is a refresh, not news.
    limits.set("modbus", limit(1500), kNow + 1s);
    limits.carry(kNow + 1s, journal);
    CHECK(journal.codes.size() == 2);
    limits.set("fleet", {.limit_w = std::nullopt, .note = "event over"}, kNow + 2s);
    applied = limits.carry(kNow + 2s, journal);
    CHECK(*applied == Approx(1500));
    CHECK(journal.messages.back() == "limit cleared (event over)");
}

TEST_CASE("site limit: a lapsed heartbeat falls to the failsafe until the manager is back",
          "[site_limit]") {
    loop::SiteLimitCommands limits;
    test::RecordedEvents journal;
    limits.set("modbus", limit(3000, 10s, 500), kNow);
    CHECK(*limits.carry(kNow + 10s, journal) == Approx(3000));  // just in time
    CHECK(*limits.carry(kNow + 11s, journal) == Approx(500));   // lapsed
    CHECK(journal.messages.back() == "heartbeat lapsed: failsafe limit 500 W");
    CHECK(limits.current().at("modbus").lapsed);
    REQUIRE(limits.refresh("modbus", kNow + 20s));
    CHECK(*limits.carry(kNow + 20s, journal) == Approx(3000));
    CHECK(journal.messages.back().rfind("heartbeat back", 0) == 0);
    CHECK_FALSE(limits.refresh("sparkplug", kNow + 20s));  // no limit to refresh
    // A wall-clock step moves the heartbeat with it: no lapse from the step alone.
    limits.move_times(std::chrono::hours{1});
    CHECK(*limits.carry(kNow + std::chrono::hours{1} + 25s, journal) == Approx(3000));
}

TEST_CASE("site limit: an expiry ends it, and bad values are refused", "[site_limit]") {
    loop::SiteLimitCommands limits;
    test::RecordedEvents journal;
    auto until = limit(800);
    until.until = kNow + 60s;
    limits.set("fleet", until, kNow);
    CHECK(*limits.carry(kNow + 59s, journal) == Approx(800));
    CHECK_FALSE(limits.carry(kNow + 60s, journal));
    CHECK(journal.messages.back() == "limit expired");
    CHECK_FALSE(loop::check(limit(-1)));
    CHECK_FALSE(loop::check(limit(NAN)));
    CHECK_FALSE(loop::check(limit(INFINITY)));
    CHECK_FALSE(loop::check(limit(100, 10s, -5)));
    CHECK_FALSE(loop::check(limit(100, -1s, 0)));
    CHECK(loop::check(limit(0)));
}

TEST_CASE("site limit: the governor holds every plan to the commanded limit, 0 included",
          "[site_limit][governor]") {
    std::mt19937 rng(23);
    std::uniform_real_distribution<double> budget(0, 5000), cap(0, 800);
    for (int round = 0; round < 300; ++round) {
        auto fleet = test::random_fleet(rng, 1 + round % 25);
        auto snap = test::snapshot_with_grid(kNow, -1000, fleet);
        loop::SiteLimits limits;
        limits.max_draw_w = round % 2 ? 0 : 600;
        limits.command_limit_w = round % 10 == 0 ? 0 : cap(rng);
        const double applied = *loop::draw_limit_w(limits);
        CHECK(applied <= *limits.command_limit_w);
        auto proposal = loop::allocate(budget(rng), fleet);
        auto g = loop::govern(proposal.targets, snap, limits, {}).targets;
        REQUIRE(planned(g) <= applied + 1e-6);
    }
}

TEST_CASE("site limit: the budget is cut to it, and the reason says so", "[site_limit]") {
    loop::SiteLimits limits;
    Decision d;
    d.budget_w = 2000;
    loop::apply_command_limit(limits, d);
    CHECK(d.budget_w == Approx(2000));  // no command: untouched
    limits.command_limit_w = 750;
    loop::apply_command_limit(limits, d);
    CHECK(d.budget_w == Approx(750));
    CHECK(d.reason == "budget cut to the commanded site limit 750 W");
    d.budget_w = 100;
    loop::apply_command_limit(limits, d);
    CHECK(d.budget_w == Approx(100));  // under it: untouched
}

TEST_CASE("site limit: a commanded cut comes down at the ramp-down rate, max_draw_w at once",
          "[site_limit][governor]") {
    // Six miners at 500 W (levels 100 W apart), a command to 500 W, ramp_down 200 W/s.
    auto running_fleet = [] {
        std::vector<MinerView> fleet;
        for (int i = 0; i < 6; ++i)
            fleet.push_back(
                test::online_miner("m" + std::to_string(i), test::ladder_caps(100, 500, 5), 500));
        auto plan = loop::allocate(3000, fleet).targets;
        for (std::size_t i = 0; i < fleet.size(); ++i) fleet[i].target = plan[i];
        return fleet;
    };
    loop::SiteLimits limits;
    limits.command_limit_w = 500;
    limits.ramp_down_w_per_s = 200;
    auto tick = [&](std::vector<MinerView>& fleet) {
        auto snap = test::snapshot_with_grid(kNow, -4000, fleet);
        auto proposal = loop::allocate(*limits.command_limit_w, fleet).targets;
        auto g = loop::govern(proposal, snap, limits, {}).targets;
        for (std::size_t i = 0; i < fleet.size(); ++i) fleet[i].target = g[i].target;
        return planned(g);
    };

    auto fleet = running_fleet();
    double drawn = 3000;
    int ticks = 0;
    while (drawn > 500 + 1e-6 && ticks < 100) {
        const double next = tick(fleet);
        // One tick's allowance (a level is 100 W, so a step always fits in it), never more.
        CHECK(drawn - next <= 200 + 1e-6);
        CHECK(drawn - next > 0);
        drawn = next;
        ++ticks;
    }
    CHECK(drawn <= 500 + 1e-6);
    CHECK(ticks == Approx(13).margin(1));  // 2500 W at 200 W a tick, not at once

    // The site's own max_draw_w below the command still holds at once.
    fleet = running_fleet();
    limits.max_draw_w = 400;
    CHECK(tick(fleet) <= 400 + 1e-6);

    // A shed (the site imports) is never slowed either.
    fleet = running_fleet();
    limits.max_draw_w = 0;
    auto snap = test::snapshot_with_grid(kNow, 500, fleet);
    auto g = loop::govern(loop::allocate(500, fleet).targets, snap, limits, {.shed = true});
    CHECK(planned(g.targets) <= 500 + 1e-6);
}
