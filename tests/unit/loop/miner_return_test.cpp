// A miner that comes back from offline while still mining keeps what it does until a decision
// has seen it: nothing decided while it was offline is written to it first (no pause, then
// restart).
#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "daemon/loop/control_loop.hpp"
#include "daemon/loop/miner_fleet.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

namespace {

class FakeMeter final : public Source {
public:
    std::string_view type_name() const override { return "fake"; }
    Status collect(TimePoint, Accumulator& out) noexcept override {
        out.put(signal::kGridPowerW, grid_w);
        return {};
    }
    std::atomic<double> grid_w{0};
};

// A miner that can drop off the network (and keep mining meanwhile), and remembers every
// command it was sent.
class FlakyMiner final : public MinerDriver {
public:
    std::string_view driver_name() const override { return "flaky"; }
    Result<MinerCaps> probe() noexcept override {
        if (offline) return Status::error(ErrorCode::unreachable, "flaky: probe: no route");
        return test::ladder_caps(10, 30, 5);
    }
    Result<MinerState> read_state() noexcept override {
        if (offline) return Status::error(ErrorCode::unreachable, "flaky: read: no route");
        std::lock_guard lock(m_);
        MinerState s;
        s.driver = "flaky";
        s.online = true;
        s.state = current_.run ? MinerRunState::mining : MinerRunState::paused;
        s.power_w = current_.run ? current_.power_w : 1.0;
        return s;
    }
    Status apply(const MinerTarget& t) noexcept override {
        if (offline) return Status::error(ErrorCode::unreachable, "flaky: apply: no route");
        std::lock_guard lock(m_);
        current_ = t;
        applied_.push_back(t);
        return {};
    }
    std::vector<MinerTarget> applied() {
        std::lock_guard lock(m_);
        return applied_;
    }
    std::atomic<bool> offline{false};

private:
    std::mutex m_;
    MinerTarget current_{true, 30, 4, 0.0, 0.0};   // mining flat out
    std::vector<MinerTarget> applied_;
};

MinerTarget run_at(double w) { return MinerTarget{true, w, std::nullopt, std::nullopt, std::nullopt}; }

}  // namespace

TEST_CASE("fleet: a miner back from offline gets nothing until a decision has seen it",
          "[loop][fleet]") {
    ManualClock clock;
    loop::NullRecorder recorder;
    loop::MinerFleet fleet(clock, recorder, 2);
    auto d = std::make_unique<FlakyMiner>();
    FlakyMiner* miner = d.get();
    fleet.add({"a", "flaky", 5s, 0, 0}, std::move(d));
    fleet.start();

    // Online, running at 30 W as the loop wants.
    fleet.schedule(clock.now());
    fleet.wait_idle();
    REQUIRE(fleet.views(clock.now()).at(0).state_fresh);
    fleet.set_target(0, run_at(30), clock.now(), 1, "surplus");
    fleet.schedule(clock.now());
    fleet.wait_idle();
    REQUIRE(miner->applied().size() == 1);

    // It drops off the network; meanwhile the loop pauses it (its draw cannot be seen).
    miner->offline = true;
    clock.advance(6s);
    fleet.schedule(clock.now());
    fleet.wait_idle();
    REQUIRE_FALSE(fleet.status().at(0).online);
    REQUIRE_FALSE(fleet.views(clock.now()).at(0).state_fresh);
    fleet.set_target(0, MinerTarget{}, clock.now(), 2, "offline");
    fleet.schedule(clock.now());
    fleet.wait_idle();

    // It comes back, still mining. The poll lands after the tick's views: the pause decided
    // while it was offline is not sent, however often the fleet is scheduled.
    miner->offline = false;
    clock.advance(6s);
    fleet.schedule(clock.now());   // the poll, one period after the failed one
    fleet.wait_idle();
    REQUIRE(fleet.status().at(0).online);
    for (int i = 0; i < 3; ++i) {
        clock.advance(100ms);
        fleet.schedule(clock.now());
        fleet.wait_idle();
    }
    CHECK(miner->applied().size() == 1);

    // The next decision sees it mining and keeps it running: one write, and it is a run.
    auto views = fleet.views(clock.now());
    REQUIRE(views.at(0).state_fresh);
    REQUIRE(views.at(0).state->state == MinerRunState::mining);
    fleet.set_target(0, run_at(30), clock.now(), 3, "surplus");
    fleet.schedule(clock.now());
    fleet.wait_idle();
    auto applied = miner->applied();
    REQUIRE(applied.size() == 2);
    CHECK(applied.back().run);
    CHECK(fleet.status().at(0).target_applied);

    // A decision that has seen it and still wants the pause gets it sent.
    miner->offline = true;
    clock.advance(6s);
    fleet.schedule(clock.now());
    fleet.wait_idle();
    miner->offline = false;
    clock.advance(6s);
    fleet.schedule(clock.now());
    fleet.wait_idle();
    fleet.views(clock.now());
    fleet.set_target(0, MinerTarget{}, clock.now(), 4, "no surplus");
    fleet.schedule(clock.now());
    fleet.wait_idle();
    REQUIRE(miner->applied().size() == 3);
    CHECK_FALSE(miner->applied().back().run);
}

TEST_CASE("loop: a miner back from offline while mining on a surplus is not paused and restarted",
          "[loop][fleet]") {
    ManualClock clock{TimePoint{std::chrono::seconds{1'800'000'000}}};
    loop::NullRecorder recorder;
    policies::SolarSurplusSettings s;
    s.enable_delay = 5s;
    s.reserve_w = 10;
    loop::LoopSettings ls;
    ls.limits.min_dwell = 0s;
    loop::ControlLoop lp(ls, std::make_unique<policies::SolarSurplusPolicy>(s), clock, recorder);
    auto m = std::make_unique<FakeMeter>();
    FakeMeter* meter = m.get();
    lp.add_source({"meter", "fake", 1s, 5s}, std::move(m));
    auto d = std::make_unique<FlakyMiner>();
    FlakyMiner* miner = d.get();
    lp.add_miner({"a", "flaky", 2s, 0, 0}, std::move(d));
    lp.fleet().start();
    // The miner's returning poll lands between the tick's views and its writes: the window in
    // which a target decided without it used to go out.
    std::atomic<bool> land_poll_in_tick{false};
    lp.on_snapshot([&](SiteSnapshot& snap) {
        if (!land_poll_in_tick) return;
        lp.fleet().schedule(snap.now);
        lp.fleet().wait_idle();
        if (lp.fleet().status().at(0).online) land_poll_in_tick = false;
    });
    auto second = [&] {
        clock.advance(1s);
        for (auto& src : lp.sources()) src->poll_once();
        auto st = lp.tick();
        lp.fleet().wait_idle();
        return st;
    };

    meter->grid_w = -200;   // a surplus that covers the miner
    for (int i = 0; i < 12; ++i) second();
    REQUIRE(miner->applied().back().run);
    const auto before = miner->applied().size();

    miner->offline = true;
    std::shared_ptr<const loop::LoopStatus> st;
    for (int i = 0; i < 8; ++i) st = second();
    REQUIRE_FALSE(st->miners.at(0).online);

    miner->offline = false;
    land_poll_in_tick = true;
    for (int i = 0; i < 12; ++i) st = second();
    REQUIRE(st->miners.at(0).online);
    auto applied = miner->applied();
    for (std::size_t i = before; i < applied.size(); ++i) {
        INFO("write " << i << " of " << applied.size() << " after the return at " << before);
        CHECK(applied[i].run);
    }
    REQUIRE(applied.back().run);
}
