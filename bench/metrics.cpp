// How big GET /metrics is and how long it takes to render for a large fleet, beside
// /api/status?caps=0 for the same status. Prints figures; no pass/fail.
//   build/bench/metrics [miners...]
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "web/api/metrics_text.hpp"
#include "web/api/status_json.hpp"

using namespace hashsink;

namespace {

loop::LoopStatus fleet_status(int miners, TimePoint now) {
    loop::LoopStatus st;
    st.tick = 123456;
    st.at = now;
    st.tick_duration_ms = 3.2;
    st.decision.policy = "layered";
    st.decision.budget_w = 1.5e6;
    loop::SourceStatus inv{.id = "inverter", .type = "sunspec", .ok = true, .last_ok = now};
    for (const char* s : {"pv.ac_power_w", "pv.dc_power_w", "pv.rating_w", "pv.limit_w", "pv.state",
                          "grid.power_w", "battery.power_w", "battery.soc_pct"})
        inv.readings.push_back({s, Reading{1234.5, now}});
    st.sources.push_back(inv);
    for (int i = 0; i < miners; ++i) {
        loop::MinerStatus m;
        m.id = "rack" + std::to_string(i / 100) + "-s19-" + std::to_string(i % 100);
        m.driver = "braiins";
        m.online = i % 50 != 0;  // 2 % offline
        if (m.online) {
            MinerState s;
            s.online = true;
            s.state = MinerRunState::mining;
            s.power_w = 3012.5 + i % 17;
            s.hashrate_ths = 95.25 + (i % 13) * 0.5;
            s.chip_temp_c = 61.5 + i % 9;
            m.state = s;
        } else {
            m.consecutive_failures = 4;
        }
        m.target.run = m.online;
        m.target.power_w = 3000;
        m.target_applied = true;
        st.decision.report.miner_hash_value_per_h[m.id] = 0.123 + i % 7 * 0.001;
        if (i % 10 == 0) {
            st.decision.report.miner_heat_value_per_h[m.id] = 0.05;
            st.decision.miner_floor_w[m.id] = 1500;
        }
        st.miners.push_back(std::move(m));
    }
    return st;
}

template <class F>
double median_ms(F&& f, int runs = 7) {
    std::vector<double> ms;
    for (int r = 0; r < runs; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        f();
        ms.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                .count());
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

// The bytes on the wire for a client that sends Accept-Encoding: gzip (the web server's own
// compressor, as it answers such a client).
std::size_t gzip_bytes(const std::string& body) {
    httplib::detail::gzip_compressor gz;
    std::size_t n = 0;
    gz.compress(body.data(), body.size(), true, [&](const char*, std::size_t len) {
        n += len;
        return true;
    });
    return n;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<int> sizes = {100, 1000, 10000};
    if (argc > 1) {
        sizes.clear();
        for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
    }
    const TimePoint now = from_unix_ms(1'700'000'000'000);
    for (int n : sizes) {
        const auto st = fleet_status(n, now);
        std::size_t text_bytes = 0, json_bytes = 0;
        const double text_ms = median_ms([&] { text_bytes = web::metrics_text(st, now).size(); });
        const double json_ms =
            median_ms([&] { json_bytes = web::status_json(st, now, false).dump().size(); });
        const std::size_t text_gz = gzip_bytes(web::metrics_text(st, now));
        const std::size_t json_gz = gzip_bytes(web::status_json(st, now, false).dump());
        std::printf(
            "%6d miners: /metrics %9zu B (%4zu B/miner, gzip %8zu B) %7.2f ms   "
            "/api/status?caps=0 %9zu B (gzip %8zu B) %7.2f ms\n",
            n, text_bytes, text_bytes / std::max(n, 1), text_gz, text_ms, json_bytes, json_gz,
            json_ms);
    }
    return 0;
}
