// Running energy totals since the daemon started, for counters a home energy dashboard can take
// (Home Assistant's Energy view): what the miners drew, how much of it was surplus that would
// otherwise have been exported, how much came from the grid, and what the hash earned. Pure.
#pragma once

#include "daemon/core/snapshot.hpp"

namespace hashsink::loop {

struct EnergyTotals {
    TimePoint since{};      // the first tick counted (the counters' last reset)
    double miners_kwh = 0;  // the miners' measured draw
    // Of it, by the grid meter (+ import): what came from the grid (import, at most the
    // miners' draw) and the rest, which would otherwise have been exported. Ticks without a
    // fresh grid reading count in miners_kwh only.
    double surplus_kwh = 0;
    double import_kwh = 0;
    // The miners' measured hashrate at the hashprice signal, in the site's currency; ticks
    // without a fresh hashprice earn nothing here. Before pool fees.
    double revenue = 0;
};

// Adds one tick covering `span` (the loop's tick span: since the previous tick, at most a
// period).
void add_tick(EnergyTotals& totals, const SiteSnapshot& snapshot, Duration span);

}  // namespace hashsink::loop
