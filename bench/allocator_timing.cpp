// The allocator's fast path timed against its reference implementation on the fleet of
// bench/loop_tick, in one process so both see the same machine load. Prints figures; no
// pass/fail.
//   build/bench/allocator_timing   (1,000 and 10,000 miners, then 10,000 with ids
//   "site-a-rack-00001")
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
    for (int n : {1000, 10000, -10000}) {
        // -n: the same fleet with ids that share their first 12 bytes ("site-a-rack-00001"), as
        // an installer's naming scheme makes them.
        std::vector<MinerView> fleet = bench::bitaxe_fleet(std::abs(n));
        if (n < 0)
            for (auto& m : fleet)
                m.id = "site-a-rack-" + std::string(6 - m.id.size(), '0') + m.id.substr(1);
        auto time_us = [&](auto&& fn) {
            std::vector<double> us;
            for (int r = 0; r < 50; ++r) {
                double budget = std::abs(n) * 10.0 * (0.3 + 0.01 * r);
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
        std::printf(
            "allocate miners=%6d%s reference min %8.0f us p50 %8.0f us   fast min %7.0f us p50 "
            "%7.0f us\n",
            std::abs(n), n < 0 ? ", shared ids" : "", ref.first, ref.second, fast.first,
            fast.second);
    }
    return 0;
}
