#include "daemon/loop/loop_settings.hpp"

#include <algorithm>

namespace hashsink::loop {

LoopSettings loop_settings(const Options& site, const Options& governor, std::size_t miner_count) {
    LoopSettings s;
    s.period = site.get_duration("period", Duration{1000});
    s.limits.period = s.period;
    s.limits.max_draw_w = site.get_number("max_draw_w");
    s.limits.safe_state = site.get_string("safe_state", "paused") == "minimum" ? SafeState::minimum
                                                                               : SafeState::paused;
    s.limits.min_dwell = governor.get_duration("min_dwell", Duration{30'000});
    s.limits.ramp_up_w_per_s = governor.get_number("ramp_up_w_per_s");
    s.limits.ramp_down_w_per_s = governor.get_number("ramp_down_w_per_s");
    s.priority = governor.get_list("priority");
    s.start_margin_w = governor.get_number("start_margin_w");
    s.start_margin_pct = governor.get_number("start_margin_pct");
    // Enough threads that a few slow miners never hold up the rest, bounded for a small box.
    s.miner_threads = std::clamp<std::size_t>(miner_count / 8, 4, 64);
    return s;
}

}  // namespace hashsink::loop
