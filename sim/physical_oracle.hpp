// The physical oracle: a perfect-foresight upper bound of the energy a fleet can absorb without
// ever importing, that keeps what physics imposes on the miners and relaxes only what a
// controller chooses (dwell, hysteresis, delays, the ramp limit). Physics here: a paused miner
// spends its start delay at idle draw before it hashes again, its power rises after a start
// with a first-order lag, and a pause decays within about a second. As in the relaxed oracle,
// a hashing miner is taken to draw at least its lowest power (just after a start it draws less
// while the lag lifts it). See docs/simulator.md, "The oracles".
#pragma once

#include <vector>

namespace hashsink::sim {

// One miner's dynamics, powers above its idle draw.
struct MinerPhysics {
    double lo_w = 0;           // the lowest power it hashes at
    double hi_w = 0;           // the highest
    double start_delay_s = 0;  // paused -> hashing, at idle draw
    double response_s = 1;     // time constant of a power change while hashing
};

// The bound (kWh) for one day: `surplus_w` per tick (period dt_s). The two largest miners that
// take more than one tick to start are followed exactly, tick by tick (a dynamic program over
// their joint state); the others are relaxed to any power from 0 to their highest at any time,
// which can only raise the bound. Miners are paused at the start of the day, but may have
// started before it. Powers in between a miner's steps count as reachable: the lag lets a
// controller hold any power by alternating targets.
double physical_oracle_day_kwh(const std::vector<double>& surplus_w, double dt_s,
                               const std::vector<MinerPhysics>& fleet);

}  // namespace hashsink::sim
