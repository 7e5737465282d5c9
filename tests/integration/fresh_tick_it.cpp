// The loop's own thread with real pollers on the system clock: it ticks on a new reading, keeps
// its period when the source is silent, and keeps its minimum spacing when the source is chatty.
// Every bound is generous against the figures it checks (milliseconds against seconds).
#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "daemon/loop/control_loop.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"

using namespace hashsink;
using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

namespace {

// A meter that answers at once with grid_w, or, once stalled, hangs in collect until released.
class Meter final : public Source {
public:
    std::string_view type_name() const override { return "meter"; }
    Status collect(TimePoint, Accumulator& out) noexcept override {
        std::unique_lock lock(m_);
        released_.wait(lock, [this] { return !stalled_; });
        out.put(signal::kGridPowerW, grid_w);
        return {};
    }
    void stall(bool on) {
        {
            std::lock_guard lock(m_);
            stalled_ = on;
        }
        released_.notify_all();
    }
    std::atomic<double> grid_w{-100};

private:
    std::mutex m_;
    std::condition_variable released_;
    bool stalled_ = false;
};

// A started loop over one meter (no miners), recording when each tick ran and what it saw.
struct Rig {
    SystemClock clock;
    loop::NullRecorder recorder;
    Meter* meter = nullptr;
    std::unique_ptr<loop::ControlLoop> loop;
    std::mutex m;
    std::vector<Steady::time_point> ticks;
    std::vector<std::pair<double, Duration>> seen;  // grid reading, its age at the snapshot
    std::shared_ptr<const loop::LoopStatus> last;

    Rig(Duration period, Duration min_spacing, Duration poll, Duration max_age = 5s) {
        loop::LoopSettings ls;
        ls.period = period;
        ls.min_spacing = min_spacing;
        loop = std::make_unique<loop::ControlLoop>(
            ls,
            std::make_unique<policies::SolarSurplusPolicy>(
                policies::SolarSurplusSettings::from(Options{})),
            clock, recorder);
        auto src = std::make_unique<Meter>();
        meter = src.get();
        loop->add_source({"meter", "meter", poll, max_age}, std::move(src));
        loop->on_snapshot([this](SiteSnapshot& snap) {
            std::lock_guard lock(m);
            ticks.push_back(Steady::now());
            auto it = snap.readings.find(signal::kGridPowerW);
            if (it != snap.readings.end())
                seen.emplace_back(it->second.value,
                                  std::chrono::duration_cast<Duration>(snap.now - it->second.at));
        });
        loop->on_tick([this](const loop::LoopStatus& st) {
            std::lock_guard lock(m);
            last = std::make_shared<loop::LoopStatus>(st);
        });
    }
    ~Rig() {
        meter->stall(false);  // a hung collect would hold up the poller's stop
        loop->stop(false);
    }
    std::size_t tick_count() {
        std::lock_guard lock(m);
        return ticks.size();
    }
    template <class Pred>
    bool wait_for(Pred pred, Duration limit) {
        for (auto until = Steady::now() + limit; Steady::now() < until;) {
            {
                std::lock_guard lock(m);
                if (pred()) return true;
            }
            std::this_thread::sleep_for(10ms);
        }
        return false;
    }
};

}  // namespace

TEST_CASE("fresh tick: a new reading is decided on well within the period", "[loop][fresh]") {
    // A 10 s period and a 300 ms poll: ticking on the period alone would see the new reading
    // seconds late.
    Rig rig(10s, 50ms, 300ms);
    rig.loop->start();
    REQUIRE(rig.wait_for([&] { return !rig.seen.empty(); }, 5s));
    const auto changed = Steady::now();
    rig.meter->grid_w = 123;
    REQUIRE(rig.wait_for([&] { return rig.seen.back().first == 123; }, 5s));
    CHECK(Steady::now() - changed < 3s);
    std::lock_guard lock(rig.m);
    for (const auto& [value, age] : rig.seen)
        if (value == 123) CHECK(age < 3s);  // the tick took the reading as it arrived
}

TEST_CASE(
    "fresh tick: the loop's thread times its ticks: how late each started, how long it worked",
    "[loop][fresh][timing]") {
    Rig rig(200ms, 50ms, 100ms);
    rig.loop->start();
    REQUIRE(rig.wait_for([&] { return rig.last && rig.last->timing.ticks >= 10; }, 10s));
    std::lock_guard lock(rig.m);
    const auto& t = rig.last->timing;
    CHECK(t.ticks == rig.last->tick);
    CHECK(t.late_p50_ms >= 0);
    CHECK(t.late_p50_ms <= t.late_p99_ms);
    CHECK(t.late_p99_ms <= t.late_max_ms);
    CHECK(t.late_max_ms < 1000);  // ticks of a few microseconds start close to when due
    CHECK(t.work_p50_ms > 0);
    CHECK(t.work_p50_ms <= t.work_max_ms);
}

TEST_CASE("fresh tick: a stalled source still gets the loop ticking and the fail-safe taken",
          "[loop][fresh]") {
    Rig rig(200ms, 50ms, 100ms, 1s);
    rig.loop->start();
    // A tick that decided on a reading first: the ticks before the first reading are in the
    // fail-safe too, and one of those must not pass for the stall's.
    REQUIRE(rig.wait_for([&] { return rig.last && !rig.last->decision.fail_safe; }, 5s));
    rig.meter->stall(true);  // its next collect hangs: no reading, no wake-up
    REQUIRE(rig.wait_for([&] { return rig.last && rig.last->decision.fail_safe; }, 10s));
    // Still ticking at its period while the source hangs.
    const auto before = rig.tick_count();
    REQUIRE(rig.wait_for([&] { return rig.ticks.size() >= before + 3; }, 5s));
    std::lock_guard lock(rig.m);
    CHECK(rig.last->decision.fail_safe);
}

TEST_CASE("fresh tick: a chatty source does not make the loop tick faster than its spacing",
          "[loop][fresh]") {
    Rig rig(10s, 100ms, 1ms);  // a reading every millisecond
    rig.loop->start();
    std::this_thread::sleep_for(1500ms);
    rig.loop->stop(false);
    std::lock_guard lock(rig.m);
    INFO("ticks in 1.5 s: " << rig.ticks.size());
    CHECK(rig.ticks.size() >= 2);   // the readings, not the 10 s period, drive it
    CHECK(rig.ticks.size() <= 18);  // 1.5 s / 100 ms, and the first two
    // Two ticks may come close together, never three within twice the spacing.
    for (std::size_t i = 2; i < rig.ticks.size(); ++i)
        CHECK(rig.ticks[i] - rig.ticks[i - 2] >= 190ms);
}
