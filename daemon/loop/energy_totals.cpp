#include "daemon/loop/energy_totals.hpp"

#include <algorithm>
#include <cmath>

namespace hashsink::loop {

void add_tick(EnergyTotals& t, const SiteSnapshot& snap, Duration span) {
    if (t.since == TimePoint{}) t.since = snap.now;
    const double hours = std::chrono::duration<double>(span).count() / 3600;
    if (!(hours > 0)) return;
    const double draw_w = snap.miners_draw_w();
    t.miners_kwh += draw_w * hours / 1000;
    if (auto grid = snap.fresh(signal::kGridPowerW); grid && std::isfinite(*grid)) {
        const double import_w = std::clamp(*grid, 0.0, draw_w);
        t.import_kwh += import_w * hours / 1000;
        t.surplus_kwh += (draw_w - import_w) * hours / 1000;
    }
    if (auto price = snap.fresh(signal::kHashpricePerThDay);
        price && std::isfinite(*price) && *price > 0) {
        double ths = 0;
        for (const auto& m : snap.miners)
            if (m.state_fresh && m.state && m.state->hashrate_ths) ths += *m.state->hashrate_ths;
        t.revenue += ths * *price * hours / 24;
    }
}

}  // namespace hashsink::loop
