#include "daemon/loop/control_loop.hpp"

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <optional>
#include <thread>

#include "policies/solar_surplus/solar_surplus.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

namespace {

class FakeMeter final : public Source {
public:
    std::string_view type_name() const override { return "fake"; }
    Status collect(TimePoint, Accumulator& out) noexcept override {
        if (fail) return Status::error(ErrorCode::timeout, "fake meter: read: timed out");
        out.put(signal::kGridPowerW, grid_w);
        return {};
    }
    std::atomic<double> grid_w{0};
    std::atomic<bool> fail{false};
};

// A miner that does what it is told, instantly, and remembers every command.
class RecordingMiner final : public MinerDriver {
public:
    explicit RecordingMiner(Duration apply_delay = Duration{0}, bool mining = true)
        : delay_(apply_delay) {
        current_.run = mining;
    }
    std::string_view driver_name() const override { return "recording"; }
    Result<MinerCaps> probe() noexcept override {
        if (offline) return Status::error(ErrorCode::unreachable, "recording: probe: no route");
        return test::ladder_caps(10, 30, 5);
    }
    Result<MinerState> read_state() noexcept override {
        if (offline) return Status::error(ErrorCode::unreachable, "recording: read: no route");
        std::lock_guard lock(m_);
        MinerState s;
        s.driver = "recording";
        s.online = true;
        s.state = current_.run ? MinerRunState::mining : MinerRunState::paused;
        s.power_w = current_.run ? current_.power_w : 1.0;
        s.caps = test::ladder_caps(10, 30, 5);  // as drivers repeat their probed caps
        return s;
    }
    Status apply(const MinerTarget& t) noexcept override {
        if (offline) return Status::error(ErrorCode::unreachable, "recording: apply: no route");
        ++attempts;
        if (ignore_writes)
            return Status::error(ErrorCode::not_applied, "recording: acknowledged, not applied");
        std::this_thread::sleep_for(delay_);
        std::lock_guard lock(m_);
        current_ = t;
        applied_.push_back(t);
        return {};
    }
    std::vector<MinerTarget> applied() {
        std::lock_guard lock(m_);
        return applied_;
    }
    std::atomic<bool> offline{false};   // off the network; it goes on doing what it did
    std::atomic<bool> ignore_writes{false};  // its read-back shows a write not carried out
    std::atomic<int> attempts{0};            // applies that reached it

private:
    Duration delay_;
    std::mutex m_;
    MinerTarget current_{true, 30, 4, 0.0, 0.0};   // it was mining flat out before we started
    std::vector<MinerTarget> applied_;
};

struct Rig {
    ManualClock clock{TimePoint{std::chrono::seconds{1'800'000'000}}};
    loop::NullRecorder recorder;
    FakeMeter* meter = nullptr;
    RecordingMiner* miner = nullptr;
    std::unique_ptr<loop::ControlLoop> loop;

    explicit Rig(Duration apply_delay = Duration{0}, bool mining = true,
                 double ramp_up_w_per_s = 0) {
        auto s = policies::SolarSurplusSettings::from(Options{});  // the declared defaults
        s.enable_delay = 5s;
        s.reserve_w = 10;
        loop::LoopSettings ls;
        ls.limits.min_dwell = 0s;
        ls.limits.ramp_up_w_per_s = ramp_up_w_per_s;
        loop = std::make_unique<loop::ControlLoop>(
            ls, std::make_unique<policies::SolarSurplusPolicy>(s), clock, recorder);
        auto m = std::make_unique<FakeMeter>();
        meter = m.get();
        loop->add_source({"meter", "fake", 1s, 5s}, std::move(m));
        auto d = std::make_unique<RecordingMiner>(apply_delay, mining);
        miner = d.get();
        loop->add_miner({"a", "recording", 5s, 0, 0}, std::move(d));
        loop->fleet().start();
    }
    // One second of site time: poll the meter, tick, let the fleet finish.
    std::shared_ptr<const loop::LoopStatus> second() { return step(1s); }
    // The same after `d` of site time: a tick that came early, on a fresh reading.
    std::shared_ptr<const loop::LoopStatus> step(Duration d) {
        clock.advance(d);
        for (auto& s : loop->sources()) s->poll_once();
        auto st = loop->tick();
        loop->fleet().wait_idle();
        return st;
    }
};

// One recording miner "a" in a fleet of its own, polled every `poll`, on a manual clock.
struct FleetRig {
    ManualClock clock;
    loop::NullRecorder recorder;
    loop::MinerFleet fleet{clock, recorder, 2};
    RecordingMiner* miner = nullptr;

    explicit FleetRig(Duration poll, double max_power_w = 0) {
        auto d = std::make_unique<RecordingMiner>();
        miner = d.get();
        fleet.add({"a", "recording", poll, max_power_w, 0}, std::move(d));
        fleet.start();
    }
    // `d` of site time, then whatever the fleet has due, run to the end.
    void step(Duration d) {
        clock.advance(d);
        fleet.schedule(clock.now());
        fleet.wait_idle();
    }
};

}  // namespace

TEST_CASE("a miner found mining on a surplus that covers it is not paused at start", "[loop]") {
    Rig rig;   // mining flat out before the daemon started
    rig.meter->grid_w = -200;
    for (int i = 0; i < 6; ++i) rig.second();
    auto applied = rig.miner->applied();
    REQUIRE(!applied.empty());
    for (const auto& t : applied) CHECK(t.run);
}

TEST_CASE("a miner's caps are kept once: beside its state in the views and status, not in it",
          "[loop]") {
    FleetRig rig(1s);
    rig.step(1s);
    const auto views = rig.fleet.views(rig.clock.now());
    REQUIRE(views.size() == 1);
    REQUIRE(views[0].state);
    CHECK(views[0].caps.levels.size() == 5);
    CHECK(views[0].state->caps.levels.empty());  // not copied again every tick
    const auto status = rig.fleet.status();
    CHECK(status[0].caps == views[0].caps);
    CHECK(status[0].state->caps.levels.empty());
}

TEST_CASE("a paused miner waits out the enable delay, then follows the surplus", "[loop]") {
    Rig rig(Duration{0}, false);
    rig.meter->grid_w = -200;
    rig.second();                 // first poll: probe + read
    rig.second();
    auto applied = rig.miner->applied();
    REQUIRE(!applied.empty());
    REQUIRE_FALSE(applied.front().run);   // not yet allowed: the enable delay runs
    for (int i = 0; i < 8; ++i) rig.second();
    applied = rig.miner->applied();
    REQUIRE(applied.back().run);
    REQUIRE(applied.back().power_w == Approx(30));
    // Unchanged targets are not re-sent.
    auto count = applied.size();
    for (int i = 0; i < 5; ++i) rig.second();
    REQUIRE(rig.miner->applied().size() == count);
}

TEST_CASE("ticks closer than the period add load no faster than the ramp limit", "[loop]") {
    // A paused 10-30 W miner on a large surplus, ticked every 200 ms: the time until it is
    // started at 30 W, with no ramp limit and with 5 W/s (which must hold the 30 W start for
    // 6 s of site time, however often the loop ticks).
    auto time_to_start = [](double ramp_up_w_per_s) -> Duration {
        Rig rig(Duration{0}, false, ramp_up_w_per_s);
        rig.meter->grid_w = -1000;
        const TimePoint begin = rig.clock.now();
        for (int i = 0; i < 200; ++i) {
            rig.step(200ms);
            for (const auto& t : rig.miner->applied())
                if (t.run && t.power_w >= 30 - 1e-9)
                    return std::chrono::duration_cast<Duration>(rig.clock.now() - begin);
        }
        return Duration{std::chrono::hours{1}};
    };
    const Duration unlimited = time_to_start(0);
    const Duration ramped = time_to_start(5);
    REQUIRE(unlimited < 20s);
    REQUIRE(ramped < 40s);
    CHECK(ramped - unlimited >= 6s - 200ms);  // one tick's rounding
}

TEST_CASE("a dead meter leads to the safe state once its reading is stale", "[loop]") {
    Rig rig;
    rig.meter->grid_w = -200;
    for (int i = 0; i < 12; ++i) rig.second();
    REQUIRE(rig.miner->applied().back().run);
    rig.meter->fail = true;
    std::shared_ptr<const loop::LoopStatus> st;
    for (int i = 0; i < 7; ++i) st = rig.second();
    REQUIRE(st->decision.fail_safe);
    REQUIRE_FALSE(rig.miner->applied().back().run);
    REQUIRE_FALSE(st->sources.at(0).ok);
    REQUIRE(st->miners.at(0).reason.find("safe state") != std::string::npos);
}

TEST_CASE("a slow miner does not delay the tick", "[loop]") {
    Rig rig(2s);   // every apply takes two seconds
    rig.meter->grid_w = -200;
    rig.clock.advance(1s);
    for (auto& s : rig.loop->sources()) s->poll_once();
    rig.loop->tick();             // posts the probe
    rig.loop->fleet().wait_idle();
    rig.clock.advance(1s);
    auto started = std::chrono::steady_clock::now();
    auto st = rig.loop->tick();   // posts the (slow) pause
    auto took = std::chrono::steady_clock::now() - started;
    REQUIRE(took < 500ms);
    REQUIRE(st->tick_duration_ms < 500);
    rig.loop->fleet().wait_idle();
}

TEST_CASE("stopping the loop parks every miner in the safe state", "[loop]") {
    Rig rig;
    rig.meter->grid_w = -200;
    for (int i = 0; i < 12; ++i) rig.second();
    REQUIRE(rig.miner->applied().back().run);
    rig.loop->start();   // the tick thread; stop() below parks
    rig.loop->stop();
    REQUIRE_FALSE(rig.miner->applied().back().run);
}

// A miner that comes back from offline while still mining keeps what it does until a decision
// has seen it: nothing decided while it was away is written to it first (no pause, then
// restart).
TEST_CASE("fleet: a miner back from offline gets nothing until a decision has seen it",
          "[loop][fleet]") {
    FleetRig rig(5s);
    ManualClock& clock = rig.clock;
    loop::MinerFleet& fleet = rig.fleet;
    RecordingMiner* miner = rig.miner;
    const MinerTarget run30{true, 30, std::nullopt, std::nullopt, std::nullopt};
    auto step = [&](Duration d) { rig.step(d); };

    // Online, running at 30 W as the loop wants.
    step(0s);
    REQUIRE(fleet.views(clock.now()).at(0).state_fresh);
    fleet.set_target(0, run30, clock.now(), 1, "surplus");
    step(0s);
    REQUIRE(miner->applied().size() == 1);

    // It drops off the network; meanwhile the loop pauses it (its draw cannot be seen).
    miner->offline = true;
    step(6s);
    REQUIRE_FALSE(fleet.status().at(0).online);
    REQUIRE_FALSE(fleet.views(clock.now()).at(0).state_fresh);
    fleet.set_target(0, MinerTarget{}, clock.now(), 2, "offline");
    step(0s);

    // It comes back, still mining. The poll lands after the tick's views: the pause decided
    // while it was away is not sent, however often the fleet is scheduled.
    miner->offline = false;
    step(6s);
    REQUIRE(fleet.status().at(0).online);
    for (int i = 0; i < 3; ++i) step(100ms);
    CHECK(miner->applied().size() == 1);

    // The next decision sees it mining and keeps it running: one write, and it is a run.
    auto views = fleet.views(clock.now());
    REQUIRE(views.at(0).state_fresh);
    REQUIRE(views.at(0).state->state == MinerRunState::mining);
    fleet.set_target(0, run30, clock.now(), 3, "surplus");
    step(0s);
    auto applied = miner->applied();
    REQUIRE(applied.size() == 2);
    CHECK(applied.back().run);
    CHECK(fleet.status().at(0).target_applied);

    // A decision that has seen it and still wants the pause gets it sent.
    miner->offline = true;
    step(6s);
    miner->offline = false;
    step(6s);
    fleet.views(clock.now());
    fleet.set_target(0, MinerTarget{}, clock.now(), 4, "no surplus");
    step(0s);
    REQUIRE(miner->applied().size() == 3);
    CHECK_FALSE(miner->applied().back().run);
}

TEST_CASE(
    "fleet: a write not carried out stays shown and backs off while reads succeed, and "
    "its last draw stays counted until it holds",
    "[loop][fleet]") {
    FleetRig rig(1s);
    ManualClock& clock = rig.clock;
    loop::MinerFleet& fleet = rig.fleet;
    RecordingMiner* miner = rig.miner;
    auto step = [&](Duration d) { rig.step(d); };
    step(0s);
    fleet.views(clock.now());  // a decision has seen it
    fleet.set_target(0, MinerTarget{true, 30, std::nullopt, std::nullopt, std::nullopt},
                     clock.now(), 1, "surplus");
    step(0s);
    step(1s);  // read back at 30 W
    REQUIRE(fleet.status().at(0).target_applied);
    CHECK(fleet.views(clock.now()).at(0).unconfirmed_draw_w == 0);

    // The pause is acknowledged and not carried out; reads go on working every second.
    miner->ignore_writes = true;
    fleet.set_target(0, MinerTarget{}, clock.now(), 2, "no surplus");
    const int before = miner->attempts;
    for (int i = 0; i < 70; ++i) step(100ms);  // 7 s
    auto st = fleet.status().at(0);
    CHECK(st.online);
    CHECK_FALSE(st.target_applied);
    CHECK(st.last_error.find("not applied") != std::string::npos);
    CHECK(st.consecutive_failures >= 3);
    // Backoff 1, 2, 4 s: four attempts in 7 s, not one per schedule.
    CHECK(miner->attempts - before <= 4);
    CHECK(fleet.views(clock.now()).at(0).unconfirmed_draw_w == Approx(30));

    // Writes work again: the next retry holds and nothing is held back any more.
    miner->ignore_writes = false;
    for (int i = 0; i < 90 && !fleet.status().at(0).target_applied; ++i) step(100ms);
    st = fleet.status().at(0);
    CHECK(st.target_applied);
    CHECK(st.last_error.empty());
    CHECK(fleet.views(clock.now()).at(0).unconfirmed_draw_w == 0);
}

TEST_CASE(
    "fleet: a miner never read since start counts its max_power_w against the site's limit "
    "until it is read",
    "[loop][fleet]") {
    FleetRig rig(1s, 40);
    rig.miner->offline = true;  // its API down since before the start: it may be mining
    rig.step(0s);
    rig.step(2s);
    REQUIRE_FALSE(rig.fleet.status().at(0).online);
    CHECK(rig.fleet.views(rig.clock.now()).at(0).unconfirmed_draw_w == Approx(40));

    // Read once, what it was last known to draw counts from then on (here: nothing confirmed).
    rig.miner->offline = false;
    for (int i = 0; i < 100 && !rig.fleet.status().at(0).online; ++i) rig.step(100ms);
    REQUIRE(rig.fleet.status().at(0).online);
    const double read_w = rig.fleet.views(rig.clock.now()).at(0).unconfirmed_draw_w;
    CHECK(read_w < 40);
    rig.miner->offline = true;
    for (int i = 0; i < 100 && rig.fleet.status().at(0).online; ++i) rig.step(100ms);
    REQUIRE_FALSE(rig.fleet.status().at(0).online);
    CHECK(rig.fleet.views(rig.clock.now()).at(0).unconfirmed_draw_w < 40);

    // Without a max_power_w there is nothing to count: 0, as before (docs/reliability.md).
    FleetRig unlimited(1s);
    unlimited.miner->offline = true;
    unlimited.step(0s);
    CHECK(unlimited.fleet.views(unlimited.clock.now()).at(0).unconfirmed_draw_w == 0);
}

TEST_CASE("loop: a miner back from offline while mining on a surplus is not paused and restarted",
          "[loop][fleet]") {
    Rig rig;
    // The miner's returning poll lands between the tick's views and its writes: the window in
    // which a target decided without seeing it could go out.
    std::atomic<bool> land_poll_in_tick{false};
    rig.loop->on_snapshot([&](SiteSnapshot& snap) {
        if (!land_poll_in_tick) return;
        rig.loop->fleet().schedule(snap.now);
        rig.loop->fleet().wait_idle();
        if (rig.loop->fleet().status().at(0).online) land_poll_in_tick = false;
    });
    rig.meter->grid_w = -200;   // a surplus that covers the miner
    for (int i = 0; i < 12; ++i) rig.second();
    REQUIRE(rig.miner->applied().back().run);
    const auto before = rig.miner->applied().size();

    rig.miner->offline = true;
    std::shared_ptr<const loop::LoopStatus> st;
    for (int i = 0; i < 8; ++i) st = rig.second();
    REQUIRE_FALSE(st->miners.at(0).online);

    rig.miner->offline = false;
    land_poll_in_tick = true;
    for (int i = 0; i < 20; ++i) st = rig.second();
    REQUIRE(st->miners.at(0).online);
    auto applied = rig.miner->applied();
    for (std::size_t i = before; i < applied.size(); ++i) {
        INFO("write " << i << " of " << applied.size() << " after the return at " << before);
        CHECK(applied[i].run);
    }
    REQUIRE(applied.back().run);
}

// The wall clock stepping under a running loop (NTP, `date -s`): what was measured before the
// step keeps its time left, and nothing acts on the step itself.
TEST_CASE("loop: a reading taken just before a wall-clock step of an hour is still fresh after it",
          "[loop][clock]") {
    for (Duration step : {Duration{3'600'000}, Duration{-3'600'000}}) {
        Rig rig;
        rig.meter->grid_w = -200;
        for (int i = 0; i < 12; ++i) rig.second();
        REQUIRE(rig.miner->applied().back().run);
        const auto before = rig.miner->applied().size();
        rig.clock.step_wall(step);
        auto st = rig.loop->tick();  // no new reading since the step
        rig.loop->fleet().wait_idle();
        INFO("step " << step.count() << " ms");
        CHECK_FALSE(st->decision.fail_safe);
        CHECK(rig.miner->applied().size() == before);  // no command came from the step
        CHECK(st->at == rig.clock.now());
    }
}

TEST_CASE("loop: the enable delay keeps its time left across a wall-clock step", "[loop][clock]") {
    // Seconds of site time from the step until a paused miner starts on a surplus (enable delay
    // 5 s, two seconds of it gone before the step).
    auto seconds_to_start = [](Duration step) {
        Rig rig(Duration{0}, false);
        rig.meter->grid_w = -200;
        rig.second();
        rig.second();
        REQUIRE_FALSE(rig.miner->applied().front().run);
        rig.clock.step_wall(step);
        int seconds = 0;
        while (seconds < 30 && !rig.miner->applied().back().run) {
            rig.second();
            ++seconds;
        }
        return seconds;
    };
    const int calm = seconds_to_start(Duration{0});
    CHECK(calm >= 3);
    // A forward step must not cut the delay short, a step back must not stretch it to an hour.
    CHECK(seconds_to_start(Duration{3'600'000}) == calm);
    CHECK(seconds_to_start(Duration{-3'600'000}) == calm);
}

TEST_CASE("loop: a manager's site limit caps the plan, and its lapsed heartbeat the failsafe",
          "[loop][site_limit]") {
    Rig rig;
    rig.meter->grid_w = -1000;
    for (int i = 0; i < 3; ++i) rig.second();
    REQUIRE(rig.miner->applied().back().power_w == Approx(30));
    CHECK_FALSE(rig.loop->set_site_limit("modbus", {.limit_w = -5}));
    REQUIRE(rig.loop->set_site_limit(
        "modbus", {.limit_w = 20, .heartbeat = 5s, .failsafe_w = 0, .note = "test"}));
    auto st = rig.second();
    REQUIRE(st->site_limit_w);
    CHECK(*st->site_limit_w == Approx(20));
    CHECK(st->planned_w <= 20 + 1e-9);
    CHECK(rig.miner->applied().back().power_w <= 20 + 1e-9);
    for (int i = 0; i < 3; ++i) {
        rig.second();
        REQUIRE(rig.loop->refresh_site_limit("modbus"));
    }
    CHECK_FALSE(rig.loop->status_board().latest()->site_limits.at("modbus").lapsed);
    for (int i = 0; i < 7; ++i) st = rig.second();  // no heartbeat: failsafe 0 W
    CHECK(st->site_limits.at("modbus").lapsed);
    CHECK(*st->site_limit_w == Approx(0));
    CHECK_FALSE(rig.miner->applied().back().run);
    REQUIRE(rig.loop->set_site_limit("modbus", {.limit_w = std::nullopt}));
    for (int i = 0; i < 8; ++i) st = rig.second();  // cleared: back to the surplus
    CHECK_FALSE(st->site_limit_w);
    CHECK(rig.miner->applied().back().run);
}

TEST_CASE("loop: a miner command names a known miner and a max_power_w it can keep", "[loop]") {
    ManualClock clock{TimePoint{std::chrono::seconds{1'800'000'000}}};
    loop::NullRecorder recorder;
    loop::ControlLoop control(loop::LoopSettings{},
                              std::make_unique<policies::SolarSurplusPolicy>(
                                  policies::SolarSurplusSettings::from(Options{})),
                              clock, recorder);
    control.add_miner({"b", "recording", 5s, 0, 15}, std::make_unique<RecordingMiner>());
    const Status unknown = control.command_miner({.id = "nope", .enabled = false});
    CHECK(unknown.code == ErrorCode::invalid);
    CHECK(unknown.message == "no miner nope");
    const Status low = control.command_miner({.id = "b", .max_power_w = 10});
    CHECK(low.code == ErrorCode::invalid);
    CHECK(low.message == "max_power_w is below the miner's min_power_w");
    CHECK_FALSE(control.command_miner({.id = "b", .max_power_w = -1}));
    CHECK_FALSE(control.command_miner({.id = "b", .max_power_w = NAN}));
    CHECK(control.command_miner({.id = "b", .max_power_w = 20}));
    CHECK(control.command_miner({.id = "b", .max_power_w = 0}));  // 0: the config's cap again
    CHECK(control.command_miner({.id = "b", .enabled = false}));
}
