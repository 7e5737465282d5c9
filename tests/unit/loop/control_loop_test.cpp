#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "daemon/loop/control_loop.hpp"
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
    Result<MinerCaps> probe() noexcept override { return test::ladder_caps(10, 30, 5); }
    Result<MinerState> read_state() noexcept override {
        std::lock_guard lock(m_);
        MinerState s;
        s.driver = "recording";
        s.online = true;
        s.state = current_.run ? MinerRunState::mining : MinerRunState::paused;
        s.power_w = current_.run ? current_.power_w : 1.0;
        return s;
    }
    Status apply(const MinerTarget& t) noexcept override {
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

    explicit Rig(Duration apply_delay = Duration{0}, bool mining = true) {
        policies::SolarSurplusSettings s;
        s.enable_delay = 5s;
        s.reserve_w = 10;
        loop::LoopSettings ls;
        ls.limits.min_dwell = 0s;
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
    std::shared_ptr<const loop::LoopStatus> second() {
        clock.advance(1s);
        for (auto& s : loop->sources()) s->poll_once();
        auto st = loop->tick();
        loop->fleet().wait_idle();
        return st;
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
