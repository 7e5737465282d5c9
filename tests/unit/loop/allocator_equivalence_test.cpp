// The allocator's fast path must decide exactly as the straightforward version it replaced,
// kept here verbatim as the reference.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <optional>
#include <queue>
#include <random>
#include <unordered_map>

#include "daemon/loop/allocator.hpp"
#include "tests/support/fleet.hpp"

using namespace hashsink;

namespace {

double efficiency_j_per_th(const PowerLevel& l) {
    return l.hashrate_ths > 0 ? l.power_w / l.hashrate_ths : 1e12;
}

struct Candidate {
    std::size_t miner;
    double gain_per_w;   // extra hashrate per extra watt of the next step
    std::size_t order;   // tie-break: the start order
};

struct CandidateLess {
    bool operator()(const Candidate& a, const Candidate& b) const {
        if (a.gain_per_w != b.gain_per_w) return a.gain_per_w < b.gain_per_w;
        return a.order > b.order;
    }
};

loop::Allocation allocate_reference(double budget_w, const std::vector<MinerView>& miners,
                    const loop::AllocateOptions& options) {
    const auto& priority = options.priority;
    const std::size_t n = miners.size();
    loop::Allocation result;
    result.targets.assign(n, loop::paused_target());
    if (!(budget_w > 0)) return result;

    std::unordered_map<std::string, std::size_t> rank;
    for (std::size_t i = 0; i < priority.size(); ++i) rank.emplace(priority[i], i);

    std::vector<std::vector<PowerLevel>> levels(n);
    std::vector<std::size_t> order;
    order.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (!miners[i].state_fresh) continue;
        levels[i] = loop::allowed_levels(miners[i]);
        if (!levels[i].empty()) order.push_back(i);
    }
    // Running miners keep running (fewer switches), then the installer's priority, then the
    // most efficient at its lowest level, then id for determinism.
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const bool ra = miners[a].target.run, rb = miners[b].target.run;
        if (ra != rb) return ra;
        auto pa = rank.find(miners[a].id), pb = rank.find(miners[b].id);
        std::size_t qa = pa == rank.end() ? rank.size() : pa->second;
        std::size_t qb = pb == rank.end() ? rank.size() : pb->second;
        if (qa != qb) return qa < qb;
        double ea = efficiency_j_per_th(levels[a].front());
        double eb = efficiency_j_per_th(levels[b].front());
        if (ea != eb) return ea < eb;
        return miners[a].id < miners[b].id;
    });

    // Phase 1: start miners at their lowest level while they fit.
    double left = budget_w;
    std::vector<std::size_t> chosen(n, 0);
    std::vector<bool> running(n, false);
    std::vector<std::size_t> order_pos(n, 0);
    for (std::size_t k = 0; k < order.size(); ++k) {
        std::size_t i = order[k];
        order_pos[i] = k;
        double p = levels[i].front().power_w;
        // Hysteresis: starting needs a margin that keeping a miner running does not.
        double margin = miners[i].target.run
                            ? 0
                            : std::max(options.start_margin_w, options.start_margin_pct / 100 * p);
        if (p + margin <= left) {
            running[i] = true;
            left -= p;
        }
    }

    // Phase 2: raise levels by best marginal hashrate per watt.
    auto step_candidate = [&](std::size_t i) -> std::optional<Candidate> {
        std::size_t next = chosen[i] + 1;
        if (next >= levels[i].size()) return std::nullopt;
        double dw = levels[i][next].power_w - levels[i][chosen[i]].power_w;
        double dh = levels[i][next].hashrate_ths - levels[i][chosen[i]].hashrate_ths;
        double gain = dw > 0 ? dh / dw : 1e12;
        return Candidate{i, gain, order_pos[i]};
    };
    std::priority_queue<Candidate, std::vector<Candidate>, CandidateLess> heap;
    for (std::size_t i : order)
        if (running[i])
            if (auto c = step_candidate(i)) heap.push(*c);
    while (!heap.empty()) {
        Candidate c = heap.top();
        heap.pop();
        std::size_t i = c.miner;
        double dw = levels[i][chosen[i] + 1].power_w - levels[i][chosen[i]].power_w;
        if (dw > left) continue;   // this miner's next step does not fit; others may
        left -= dw;
        ++chosen[i];
        if (auto next = step_candidate(i)) heap.push(*next);
    }

    // Continuous-target firmwares take what is left, up to their top level.
    for (std::size_t i : order) {
        if (!running[i]) continue;
        result.targets[i] = loop::run_at(miners[i], levels[i], chosen[i]);
        if (miners[i].caps.continuous_power && left > 0) {
            double room = levels[i].back().power_w - result.targets[i].power_w;
            double extra = std::min(room, left);
            if (miners[i].caps.power_step_w > 0)
                extra = std::floor(extra / miners[i].caps.power_step_w) * miners[i].caps.power_step_w;
            if (extra > 0) {
                result.targets[i].power_w += extra;
                result.targets[i].level.reset();
                left -= extra;
            }
        }
        result.planned_w += result.targets[i].power_w;
    }
    return result;
}

}  // namespace

TEST_CASE("allocator fast path equals the reference on random fleets", "[allocator]") {
    std::mt19937 rng(2024);
    std::uniform_real_distribution<double> budget(-50, 4000);
    std::uniform_int_distribution<int> coin(0, 3);
    for (int round = 0; round < 2000; ++round) {
        auto fleet = test::random_fleet(rng, 1 + round % 60);
        // Mix in running miners, duplicate levels, continuous targets, per-miner limits and a
        // priority list.
        loop::AllocateOptions options;
        for (std::size_t i = 0; i < fleet.size(); ++i) {
            auto& m = fleet[i];
            if (coin(rng) == 0) m.target.run = true;
            if (coin(rng) == 0 && !m.caps.levels.empty()) m.caps.levels.push_back(m.caps.levels.back());
            if (coin(rng) == 0) {
                m.caps.continuous_power = true;
                m.caps.power_step_w = coin(rng) == 0 ? 0 : 5;
            }
            if (coin(rng) == 0) options.priority.push_back(m.id);
            if (coin(rng) == 0 && m.caps.levels.size() > 1) m.min_power_w = m.caps.levels[1].power_w;
            if (coin(rng) == 0 && m.caps.levels.size() > 2 && m.max_power_w == 0)
                m.max_power_w = m.caps.levels[m.caps.levels.size() - 2].power_w;
        }
        if (round % 7 == 0 && !fleet.empty()) options.priority.push_back(fleet.front().id);   // duplicate
        options.start_margin_w = round % 3 == 0 ? 0 : 15;
        options.start_margin_pct = round % 4 == 0 ? 0 : 5.0 * (round % 5);
        const double b = budget(rng);
        auto fast = loop::allocate(b, fleet, options);
        auto reference = allocate_reference(b, fleet, options);
        INFO("round " << round << " budget " << b);
        REQUIRE(fast.targets == reference.targets);
        REQUIRE(fast.planned_w == reference.planned_w);
    }
}

// Not run by CTest (hidden tag): times the fast path against the reference on the fleet of
// bench/loop_tick, in one process so both see the same machine load.
//   build/allocator_equivalence_tests "[.timing]"
TEST_CASE("allocator timing: fast path against the reference", "[.timing]") {
    for (int n : {1000, 10000}) {
        std::vector<MinerView> fleet;
        for (int i = 0; i < n; ++i) {
            MinerView m;
            m.id = "m" + std::to_string(i);
            double base = 10 + (i % 7);
            for (int l = 0; l < 10; ++l) {
                PowerLevel p;
                p.power_w = base * (0.7 + 0.07 * l);
                p.hashrate_ths = 0.05 * std::pow(p.power_w, 0.8);
                p.frequency_mhz = 400 + 20 * l;
                p.core_voltage_mv = 1100 + 20 * l;
                m.caps.levels.push_back(p);
            }
            m.caps.nominal_level = 5;
            m.caps.can_pause = true;
            m.state_fresh = true;
            fleet.push_back(m);
        }
        auto time_us = [&](auto&& fn) {
            std::vector<double> us;
            for (int r = 0; r < 50; ++r) {
                double budget = n * 10.0 * (0.3 + 0.01 * r);
                auto t0 = std::chrono::steady_clock::now();
                auto a = fn(budget);
                auto t1 = std::chrono::steady_clock::now();
                REQUIRE(a.targets.size() == fleet.size());
                us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
            }
            std::sort(us.begin(), us.end());
            return std::pair{us.front(), us[us.size() / 2]};
        };
        auto ref = time_us([&](double b) { return allocate_reference(b, fleet, {}); });
        auto fast = time_us([&](double b) { return loop::allocate(b, fleet, {}); });
        std::printf("allocate miners=%6d  reference min %8.0f us p50 %8.0f us   fast min %7.0f us p50 %7.0f us\n",
                    n, ref.first, ref.second, fast.first, fast.second);
    }
}
