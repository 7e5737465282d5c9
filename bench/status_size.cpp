// Bytes of /api/status, with and without caps, and of /api/caps for 100 to 10 000 S19-like
// miners (docs/performance.md). Prints figures; no pass/fail.
//   build/bench/status_size
#include <cstdio>

#include <nlohmann/json.hpp>

#include "tests/support/status_fleet.hpp"
#include "web/api/status_json.hpp"

using namespace hashsink;

int main() {
    for (std::size_t n : {100, 1000, 10000}) {
        auto st = test::s19_fleet_status(n);
        const auto full = web::status_json(st, st.at).dump().size();
        const auto lean = web::status_json(st, st.at, false).dump().size();
        const auto caps = nlohmann::json{{"miners", web::caps_json(st)}}.dump().size();
        std::printf("%6zu miners: /api/status %9zu B (%5zu B/miner), ?caps=0 %9zu B (%4zu B/miner), "
                    "/api/caps %9zu B\n",
                    n, full, full / n, lean, lean / n, caps);
    }
    return 0;
}
