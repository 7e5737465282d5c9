// Several daemons sharing one site (sim/shared_site.hpp): with the link up they absorb about
// what one daemon does, and while the coordinator's shares do not arrive each member falls to
// its failsafe once its heartbeat lapses.
#include "sim/shared_site.hpp"

#include <catch2/catch.hpp>
#include <string>

#include "tests/support/sim_helpers.hpp"

using namespace hashsink;

namespace {

// Six 300 W on/off miners; the sun rises to 2 kW over two hours, holds, and sets.
sim::SimSettings six_miners() {
    sim::SimSettings s = test::one_miner(300);
    sim::SimMiner m = s.miners.front();
    s.miners.clear();
    for (int i = 1; i <= 6; ++i) {
        m.id = "m" + std::to_string(i);
        s.miners.push_back(m);
    }
    return s;
}

const std::string kDay = "time,pv_ac_w,house_load_w\n0,0,0\n7200,2000,0\n14400,2000,0\n21600,0,0\n";

}  // namespace

TEST_CASE("shared site: three daemons absorb about what one does, importing no more",
          "[sim][fleet]") {
    auto settings = six_miners();
    settings.shared.members = 3;
    auto trace = test::trace_of(kDay);
    auto one = sim::make_hashsink_controller(settings);
    auto shared = sim::make_shared_site_controller(settings);
    REQUIRE(shared);
    CHECK(shared->name() == "hashsink, 3 daemons sharing");
    const auto single = sim::run(trace, settings, *one);
    const auto split = sim::run(trace, settings, *shared);
    REQUIRE(single.absorbed_kwh > 3);
    CHECK(split.absorbed_kwh >= 0.85 * single.absorbed_kwh);
    CHECK(split.import_wh <= single.import_wh + 20);
}

TEST_CASE(
    "shared site: with the link down, each member holds its share for the heartbeat, "
    "then its failsafe",
    "[sim][fleet]") {
    auto settings = six_miners();
    settings.shared.members = 3;
    settings.shared.heartbeat = std::chrono::seconds(30);
    settings.shared.failsafe_w = 0;
    settings.shared.link_down_s = {{10'000, 12'000}};
    auto trace = test::trace_of(kDay);
    auto shared = sim::make_shared_site_controller(settings);
    double before = 0, held = 0, after_lapse = 0, back = 0;
    sim::run(trace, settings, *shared, {.on_tick = [&](const sim::TickSample& t) {
                 if (t.t_s > 9'900 && t.t_s < 10'000) before = std::max(before, t.fleet_w);
                 if (t.t_s >= 10'000 && t.t_s < 10'025) held = std::max(held, t.fleet_w);
                 if (t.t_s >= 10'060 && t.t_s < 12'000)
                     after_lapse = std::max(after_lapse, t.fleet_w);
                 if (t.t_s >= 12'300 && t.t_s < 12'400) back = std::max(back, t.fleet_w);
             }});
    CHECK(before >= 1500);
    CHECK(held >= 1500);        // within the heartbeat: the last share stands
    CHECK(after_lapse <= 1.0);  // lapsed: the failsafe, 0 W
    CHECK(back >= 1500);        // shares again
}
