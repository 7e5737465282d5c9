// The last N values of a measurement and their quantiles, for the loop's own timing in
// /metrics (how late ticks start, how long they work). A fixed ring: no allocation once full.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace hashsink::loop {

class RecentSamples {
public:
    explicit RecentSamples(std::size_t capacity) : capacity_(std::max<std::size_t>(1, capacity)) {}

    void add(double v) {
        if (ring_.size() < capacity_) {
            ring_.push_back(v);
        } else {
            ring_[next_] = v;
            next_ = (next_ + 1) % capacity_;
        }
    }
    std::size_t size() const { return ring_.size(); }

    // The p-quantile (p in 0..1, nearest rank; 1 is the largest) of the values kept; 0 when
    // there are none. `scratch` is reused between calls.
    double quantile(double p, std::vector<double>& scratch) const {
        if (ring_.empty()) return 0;
        scratch.assign(ring_.begin(), ring_.end());
        const double rank = std::clamp(p, 0.0, 1.0) * static_cast<double>(scratch.size() - 1);
        const auto k = static_cast<std::size_t>(rank + 0.5);
        std::nth_element(scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(k),
                         scratch.end());
        return scratch[k];
    }

private:
    std::size_t capacity_;
    std::vector<double> ring_;
    std::size_t next_ = 0;
};

}  // namespace hashsink::loop
