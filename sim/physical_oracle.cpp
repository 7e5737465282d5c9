#include "sim/physical_oracle.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace hashsink::sim {
namespace {

constexpr double kNever = -std::numeric_limits<double>::infinity();

// One followed miner as a small automaton. Each mode bounds the power the miner can draw in a
// tick spent in it (lo_w..hi_w) and lists the modes it can be in at the next tick:
//   cooling k (k = 1 .. start-1 ticks after it last hashed): it cannot hash yet;
//   ready: it may hash from the next tick (a start begun at least `start` ticks earlier);
//   hashing e (the e-th tick since it started hashing, the last one absorbing): its power has
//   risen at most as the lag allows, and not less than towards its lowest power.
struct Automaton {
    struct Mode {
        double lo_w, hi_w;
        int next, other;  // the modes of the next tick (other: -1 when there is one)
    };
    std::vector<Mode> modes;
    int ready = 0;
};

Automaton automaton_of(const MinerPhysics& m, double dt_s) {
    const double a = 1 - std::exp(-dt_s / std::max(m.response_s, 1e-3));
    const double decay = std::exp(-dt_s);  // a pause stops the chips with a 1 s time constant
    const int start = std::max(1, static_cast<int>(std::ceil(m.start_delay_s / dt_s - 1e-9)));
    // Hashing modes until the lag has covered all but 10 % of the way to the highest power
    // (after that, any power up to the highest: looser, never lower).
    const int rise =
        std::clamp(static_cast<int>(std::ceil(std::log(0.1) / std::log(1 - a))), 1, 200);
    const double residual = m.hi_w * std::pow(decay, start);  // left from an earlier run
    Automaton au;
    const int cooling = start - 1;
    // Indices: cooling 1..start-1 at 0..start-2, ready at start-1, hashing e at start-1+e.
    for (int k = 1; k <= cooling; ++k)
        au.modes.push_back({0, m.hi_w * std::pow(decay, k), k < cooling ? k : cooling, -1});
    au.ready = cooling;
    const int first_hashing = cooling + 1;
    au.modes.push_back({0, residual, au.ready, first_hashing});
    for (int e = 1; e <= rise; ++e) {
        const double reached = 1 - std::pow(1 - a, e);
        const int next = first_hashing + std::min(e, rise - 1);
        const int pause = cooling > 0 ? 0 : au.ready;
        au.modes.push_back({m.lo_w, std::min(m.hi_w, m.hi_w * reached + residual), next, pause});
    }
    au.modes.back().hi_w = m.hi_w;
    return au;
}

}  // namespace

double physical_oracle_day_kwh(const std::vector<double>& surplus_w, double dt_s,
                               const std::vector<MinerPhysics>& fleet) {
    // Follow the two largest miners that take more than a tick to start; relax the rest.
    std::vector<std::size_t> order(fleet.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t x, std::size_t y) { return fleet[x].hi_w > fleet[y].hi_w; });
    std::vector<Automaton> followed;
    double relaxed_w = 0;
    for (std::size_t i : order) {
        if (followed.size() < 2 && fleet[i].start_delay_s > dt_s)
            followed.push_back(automaton_of(fleet[i], dt_s));
        else
            relaxed_w += fleet[i].hi_w;
    }
    while (followed.size() < 2) followed.push_back(Automaton{{{0, 0, 0, -1}}, 0});
    const auto& m1 = followed[0].modes;
    const auto& m2 = followed[1].modes;
    const std::size_t n1 = m1.size(), n2 = m2.size(), states = n1 * n2;
    std::vector<double> lo(states), hi(states);
    for (std::size_t i = 0; i < n1; ++i)
        for (std::size_t j = 0; j < n2; ++j) {
            lo[i * n2 + j] = m1[i].lo_w + m2[j].lo_w;
            hi[i * n2 + j] = m1[i].hi_w + m2[j].hi_w + relaxed_w;
        }
    // value[x]: the best energy (W x ticks) from the next tick on, given mode x this tick.
    std::vector<double> value(states, 0), inner(states), here(states);
    // Nothing is absorbed before the first tick with a surplus or after the last, and starting
    // ready is only looser: the program runs over the stretch in between.
    std::size_t first = 0, end = surplus_w.size();
    while (first < end && surplus_w[first] <= 0) ++first;
    while (end > first && surplus_w[end - 1] <= 0) --end;
    for (std::size_t t = end; t-- > first;) {
        const double s = std::max(0.0, surplus_w[t]);
        // inner[i, j]: the best over miner 2's next modes; then over miner 1's.
        for (std::size_t i = 0; i < n1; ++i)
            for (std::size_t j = 0; j < n2; ++j) {
                const auto& md = m2[j];
                double v = value[i * n2 + static_cast<std::size_t>(md.next)];
                if (md.other >= 0)
                    v = std::max(v, value[i * n2 + static_cast<std::size_t>(md.other)]);
                inner[i * n2 + j] = v;
            }
        for (std::size_t i = 0; i < n1; ++i) {
            const auto& md = m1[i];
            for (std::size_t j = 0; j < n2; ++j) {
                const std::size_t x = i * n2 + j;
                double v = inner[static_cast<std::size_t>(md.next) * n2 + j];
                if (md.other >= 0)
                    v = std::max(v, inner[static_cast<std::size_t>(md.other) * n2 + j]);
                // This tick's draw must fit under the surplus: a mode whose least draw does
                // not fit is out.
                here[x] = lo[x] <= s + 1e-6 && v > kNever ? std::min(s, hi[x]) + v : kNever;
            }
        }
        value.swap(here);
    }
    // Before the first tick both miners are ready (a start may have begun before the day).
    const std::size_t r1 = static_cast<std::size_t>(followed[0].ready),
                      r2 = static_cast<std::size_t>(followed[1].ready);
    double best = 0;
    for (int a : {m1[r1].next, m1[r1].other})
        for (int b : {m2[r2].next, m2[r2].other})
            if (a >= 0 && b >= 0)
                best = std::max(
                    best, value[static_cast<std::size_t>(a) * n2 + static_cast<std::size_t>(b)]);
    return best * dt_s / 3.6e6;
}

}  // namespace hashsink::sim
