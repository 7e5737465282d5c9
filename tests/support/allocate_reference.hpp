// The allocator's reference implementation: a plain greedy over one priority queue, written
// for clarity, not speed. The equivalence test checks loop::allocate against it on random
// fleets; bench/allocator_timing times the two on the same fleet.
#pragma once

#include <algorithm>
#include <cmath>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "daemon/loop/allocator.hpp"

namespace hashsink::test {

inline double efficiency_j_per_th(const PowerLevel& l) {
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

inline loop::Allocation allocate_reference(double budget_w, const std::vector<MinerView>& miners,
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

}  // namespace hashsink::test
