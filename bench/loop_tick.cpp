// How long one tick of the control loop takes with a large fleet, and how long the allocator
// and governor take alone. Prints figures; no pass/fail.
//   build/bench/loop_tick [--decide-only] [miners...]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/bitaxe_caps.hpp"
#include "daemon/core/log.hpp"
#include "daemon/loop/allocator.hpp"
#include "daemon/loop/control_loop.hpp"
#include "daemon/loop/governor.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"

using namespace hashsink;
using namespace std::chrono_literals;

namespace {

class InstantMiner final : public MinerDriver {
public:
    explicit InstantMiner(int i) : caps_(bench::bitaxe_caps(i)) {}
    std::string_view driver_name() const override { return "instant"; }
    Result<MinerCaps> probe() noexcept override { return caps_; }
    Result<MinerState> read_state() noexcept override {
        MinerState s;
        s.online = true;
        s.state = MinerRunState::mining;
        s.power_w = caps_.levels[5].power_w;
        return s;
    }
    Status apply(const MinerTarget&) noexcept override { return {}; }

private:
    MinerCaps caps_;
};

class SwingingMeter final : public Source {
public:
    std::string_view type_name() const override { return "bench"; }
    Status collect(TimePoint, Accumulator& out) noexcept override {
        out.put(signal::kGridPowerW, -20000 - 15000 * std::sin(n_++ / 5.0));
        return {};
    }

private:
    int n_ = 0;
};

long rss_kib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
    return -1;
}

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, static_cast<std::size_t>(p * v.size()))];
}

// The governor with every limit at work, as on a generator site: a per-miner max_power_w, the
// site's max_draw_w below the proposal, ramp limits both ways and a dwell that holds the miners
// changed a moment ago. The fleet runs last tick's plan, so the proposal raises some and lowers
// others.
double govern_with_limits_us(const std::vector<MinerView>& fleet, double budget) {
    SiteSnapshot snap;
    snap.now = WallClock::now();
    snap.miners = fleet;
    auto before = loop::allocate(budget * 1.1, fleet);
    for (std::size_t i = 0; i < snap.miners.size(); ++i) {
        MinerView& m = snap.miners[i];
        m.target = before.targets[i];
        m.target_since = snap.now - (i % 3 == 0 ? 5s : 60s);
        m.max_power_w = m.caps.levels[8].power_w;
    }
    auto proposed = loop::allocate(budget, snap.miners).targets;
    loop::SiteLimits limits;
    limits.max_draw_w = budget * 0.9;
    limits.ramp_up_w_per_s = 500;
    limits.ramp_down_w_per_s = 500;
    auto t0 = std::chrono::steady_clock::now();
    auto g = loop::govern(proposed, snap, limits, {});
    auto t1 = std::chrono::steady_clock::now();
    if (g.targets.size() != fleet.size()) std::abort();
    return std::chrono::duration<double, std::micro>(t1 - t0).count();
}

void bench_allocator(int n) {
    std::vector<MinerView> fleet = bench::bitaxe_fleet(n);
    SiteSnapshot snap;
    snap.now = WallClock::now();
    snap.miners = fleet;
    std::vector<double> alloc_us, govern_us, limited_us;
    for (int r = 0; r < 50; ++r) {
        double budget = n * 10.0 * (0.3 + 0.01 * r);
        auto t0 = std::chrono::steady_clock::now();
        auto a = loop::allocate(budget, fleet);
        auto t1 = std::chrono::steady_clock::now();
        auto g = loop::govern(a.targets, snap, {}, {}).targets;
        auto t2 = std::chrono::steady_clock::now();
        alloc_us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        govern_us.push_back(std::chrono::duration<double, std::micro>(t2 - t1).count());
    }
    // Apart from the loop above: its fleet copies would churn the heap under the allocator.
    for (int r = 0; r < 50; ++r)
        limited_us.push_back(govern_with_limits_us(fleet, n * 10.0 * (0.3 + 0.01 * r)));
    std::printf(
        "allocator  miners=%6d  allocate p50=%8.0f us p99=%8.0f us   govern p50=%8.0f us"
        "   govern, every limit p50=%8.0f us p99=%8.0f us\n",
        n, percentile(alloc_us, 0.5), percentile(alloc_us, 0.99), percentile(govern_us, 0.5),
        percentile(limited_us, 0.5), percentile(limited_us, 0.99));
}

void bench_loop(int n) {
    long rss_before = rss_kib();
    SystemClock clock;
    loop::NullRecorder recorder;
    loop::LoopSettings ls;
    ls.miner_threads = 16;
    ls.limits.min_dwell = 0s;
    auto ps = policies::SolarSurplusSettings::from(Options{});  // the declared defaults
    ps.enable_delay = 0s;
    loop::ControlLoop loop(ls, std::make_unique<policies::SolarSurplusPolicy>(ps), clock, recorder);
    loop.add_source({"meter", "bench", 1s, 5s}, std::make_unique<SwingingMeter>());
    for (int i = 0; i < n; ++i)
        loop.add_miner({"m" + std::to_string(i), "instant", 5s, 0, 0}, std::make_unique<InstantMiner>(i));
    loop.fleet().start();
    std::vector<double> tick_ms;
    for (int t = 0; t < 60; ++t) {
        for (auto& s : loop.sources()) s->poll_once();
        auto st = loop.tick();
        if (t >= 5) tick_ms.push_back(st->tick_duration_ms);
        loop.fleet().wait_idle();
    }
    long rss_after = rss_kib();
    std::printf("loop tick  miners=%6d  p50=%7.2f ms  p99=%7.2f ms  max=%7.2f ms  rss +%ld KiB\n", n,
                percentile(tick_ms, 0.5), percentile(tick_ms, 0.99), percentile(tick_ms, 1.0),
                rss_after - rss_before);
}

}  // namespace

int main(int argc, char** argv) {
    log::set_level(log::Level::warning);   // thousands of "online" lines are not the figures
    std::vector<int> sizes;
    bool decide_only = false;  // --decide-only: the allocator and governor, not the loop
    for (int i = 1; i < argc; ++i) {
        if (std::string(argv[i]) == "--decide-only")
            decide_only = true;
        else
            sizes.push_back(std::atoi(argv[i]));
    }
    if (sizes.empty()) sizes = {100, 1000, 5000, 10000};
    std::printf("# hashsink loop benchmark (%u hardware threads)\n", std::thread::hardware_concurrency());
    for (int n : sizes) bench_allocator(n);
    if (decide_only) return 0;
    for (int n : sizes) bench_loop(n);
}
