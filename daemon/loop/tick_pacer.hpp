// When the loop ticks next: as soon as a source has delivered a new reading, so a decision acts
// on the reading that just arrived, but never sooner than min_spacing after the previous tick (a
// chatty source cannot make the loop spin), and at the latest one period after it (a silent or
// stalled source still gets its staleness seen). Pure: the caller owns the clock and the waiting.
#pragma once

#include <algorithm>
#include <chrono>

#include "daemon/core/time.hpp"

namespace hashsink::loop {

class TickPacer {
public:
    using SteadyPoint = std::chrono::steady_clock::time_point;

    // min_spacing above period is taken as period.
    TickPacer(Duration period, Duration min_spacing)
        : period_(period), min_spacing_(std::min(min_spacing, period)) {}

    // A tick started at `at`; readings delivered before it are in its snapshot.
    void ticked(SteadyPoint at) {
        last_ = at;
        fresh_ = false;
    }
    // A source delivered a reading the last tick has not seen.
    void fresh_data() { fresh_ = true; }
    bool has_fresh_data() const { return fresh_; }

    // When the next tick is due (in the past when it is overdue: tick at once, no burst).
    SteadyPoint next() const { return last_ + (fresh_ ? min_spacing_ : period_); }
    // When the next tick is due at the latest, whatever the sources do.
    SteadyPoint deadline() const { return last_ + period_; }
    Duration period() const { return period_; }

private:
    Duration period_;
    Duration min_spacing_;
    SteadyPoint last_{};
    bool fresh_ = false;
};

}  // namespace hashsink::loop
