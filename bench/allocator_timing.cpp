// The allocator's fast path timed against its reference implementation on the fleet of
// bench/loop_tick, in one process so both see the same machine load. Prints figures; no
// pass/fail.
//   build/bench/allocator_timing
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "bench/bitaxe_caps.hpp"
#include "daemon/loop/allocator.hpp"
#include "tests/support/allocate_reference.hpp"

using namespace hashsink;

int main() {
    for (int n : {1000, 10000}) {
        const std::vector<MinerView> fleet = bench::bitaxe_fleet(n);
        auto time_us = [&](auto&& fn) {
            std::vector<double> us;
            for (int r = 0; r < 50; ++r) {
                double budget = n * 10.0 * (0.3 + 0.01 * r);
                auto t0 = std::chrono::steady_clock::now();
                auto a = fn(budget);
                auto t1 = std::chrono::steady_clock::now();
                if (a.targets.size() != fleet.size()) std::abort();
                us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
            }
            std::sort(us.begin(), us.end());
            return std::pair{us.front(), us[us.size() / 2]};
        };
        auto ref = time_us([&](double b) { return test::allocate_reference(b, fleet, {}); });
        auto fast = time_us([&](double b) { return loop::allocate(b, fleet, {}); });
        std::printf("allocate miners=%6d  reference min %8.0f us p50 %8.0f us   fast min %7.0f us p50 %7.0f us\n",
                    n, ref.first, ref.second, fast.first, fast.second);
    }
    return 0;
}
