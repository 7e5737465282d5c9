// Splits a trace into days for the per-day figures. A solar trace's days run from solar
// midnight to solar midnight, found from the trace itself (12 h away from the time of day at
// which its PV energy is centred), so a day's midday never falls on a boundary whatever the
// site's longitude. A trace without PV is split at UTC midnight.
#pragma once

#include <cstddef>
#include <string>

#include "sim/trace.hpp"

namespace hashsink::sim {

class DaySplit {
public:
    explicit DaySplit(const Trace& trace);

    std::size_t count() const { return count_; }
    // The day of time t (clamped to the trace's days).
    std::size_t index(double t_s) const;
    // "YYYY-MM-DD": the UTC date of the day's middle.
    std::string date(std::size_t day) const;

private:
    double boundary_s_ = 0;  // seconds after UTC midnight at which a day starts
    double first_s_ = 0;     // the start of the first day
    std::size_t count_ = 0;
};

}  // namespace hashsink::sim
