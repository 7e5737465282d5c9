// When the loop ticks next: as soon as a source has delivered a new reading, so a decision acts
// on the reading that just arrived, and at the latest one period after the previous tick (a
// silent or stalled source still gets its staleness seen). A chatty source cannot make the loop
// spin: a tick on fresh data waits until the tick before the previous one is 2 x min_spacing
// old, one tick per min_spacing on average. The allowance of two lets a reading that lands just
// after a tick (a generator's frequency dip, right after the meter's poll woke the loop) act at
// once instead of waiting out the spacing. Pure: the caller owns the clock and the waiting.
#pragma once

#include <algorithm>
#include <chrono>

#include "daemon/core/time.hpp"

namespace hashsink::loop {

class TickPacer {
public:
    using SteadyPoint = std::chrono::steady_clock::time_point;

    // min_spacing above period is taken as period.
    TickPacer(Duration period, Duration min_spacing) { set_timing(period, min_spacing); }

    // A new period or spacing (a reloaded config); the ticks seen so far still count.
    void set_timing(Duration period, Duration min_spacing) {
        period_ = period;
        min_spacing_ = std::min(min_spacing, period);
    }

    // A tick started at `at`; readings delivered before it are in its snapshot.
    void ticked(SteadyPoint at) {
        before_last_ = last_;
        last_ = at;
        fresh_ = false;
    }
    // A source delivered a reading the last tick has not seen (at `at`, when the caller knows).
    void fresh_data(SteadyPoint at = {}) {
        if (!fresh_) fresh_at_ = at;
        fresh_ = true;
    }
    bool has_fresh_data() const { return fresh_; }

    // When the next tick is due (in the past when it is overdue: tick at once, no burst).
    SteadyPoint next() const {
        if (!fresh_ || min_spacing_ >= period_) return last_ + period_;
        return std::max(last_, before_last_ + 2 * min_spacing_);
    }
    // When the tick that next() allows became due: next(), or, when the reading that earns it
    // came later, its arrival (the period's end at the latest). A tick starting after this is
    // late by the difference (the loop's jitter).
    SteadyPoint due_since() const {
        const SteadyPoint n = next();
        if (!fresh_ || fresh_at_ <= n) return n;
        return std::min(fresh_at_, deadline());
    }
    // When the next tick is due at the latest, whatever the sources do.
    SteadyPoint deadline() const { return last_ + period_; }
    Duration period() const { return period_; }

private:
    Duration period_;
    Duration min_spacing_;
    SteadyPoint last_{};
    SteadyPoint before_last_{};
    bool fresh_ = false;
    SteadyPoint fresh_at_{};
};

}  // namespace hashsink::loop
