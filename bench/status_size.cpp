// Bytes of /api/status, with and without caps, of /api/caps, and of the compact form's page
// (view=compact, limit 100 and 1000) for 100 to 10 000 S19-like miners (docs/performance.md).
// Prints figures; no pass/fail.
//   build/bench/status_size
#include <cstdio>
#include <nlohmann/json.hpp>

#include "tests/support/status_fleet.hpp"
#include "web/api/status_compact.hpp"
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
        for (std::size_t limit : {100, 1000}) {
            web::StatusQuery page{.compact = true, .limit = limit};
            const auto compact = web::compact_status_json(st, st.at, page).dump().size();
            std::printf("%6zu miners: ?view=compact&limit=%-4zu %9zu B a poll (%4zu B/row)\n", n,
                        limit, compact, compact / std::min(n, limit));
        }
    }
    return 0;
}
