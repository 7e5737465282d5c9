// Recording on change (exception reporting, as a process historian does): of a series of
// samples, only those that move beyond a deadband from the last recorded one are written, with
// a heartbeat at least every `heartbeat`, the first sample after a start or a gap, and the last
// one before a gap. Readers hold each recorded value until the next row (journal_held.cpp), so
// the samples between two rows, all within the band of the first, need no row of their own: not
// even the one just before a change. Pure: no I/O, one thread.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace hashsink::journal {

// A change is beyond the band when it exceeds both abs and rel x |last recorded value|.
struct Deadband {
    double abs = 0;
    double rel = 0;
    bool exceeded(double last, double now) const {
        if (std::isnan(last) || std::isnan(now)) return std::isnan(last) != std::isnan(now);
        const double d = std::abs(now - last);
        return d > abs && d > rel * std::abs(last);
    }
};

// A sample longer than this after the previous one of its series starts a new run.
constexpr std::int64_t kGapMs = 15'000;

template <class Sample>
class ChangeFilter {
public:
    struct Row {
        std::int64_t ts_ms;
        Sample sample;
    };

    explicit ChangeFilter(std::int64_t heartbeat_ms) : heartbeat_ms_(heartbeat_ms) {}

    // Appends to `out` what to write for this sample of `key`. changed(recorded, sample): the
    // sample moved beyond its band from the last recorded one.
    template <class Changed>
    void offer(const std::string& key, std::int64_t ts_ms, const Sample& s, Changed changed,
               std::vector<Row>& out) {
        auto it = series_.find(key);
        if (it != series_.end() && ts_ms - it->second.seen_ms > kGapMs) {
            close(it->second, out);
            series_.erase(it);
            it = series_.end();
        }
        if (it == series_.end()) {
            series_.emplace(key, State{ts_ms, s, ts_ms, s});
            out.push_back({ts_ms, s});
            return;
        }
        State& st = it->second;
        const bool moved = changed(st.recorded, s);
        if (moved || ts_ms - st.recorded_ms >= heartbeat_ms_) {
            out.push_back({ts_ms, s});
            st.recorded_ms = ts_ms;
            st.recorded = s;
        }
        st.seen_ms = ts_ms;
        st.seen = s;
    }

    // Every series' last sample, where it was not written (the journal stops).
    void close_all(std::vector<Row>& out) {
        for (auto& [key, st] : series_) close(st, out);
        series_.clear();
    }
    // Forget what was recorded (a failed write): the next sample of each series is written.
    void reset() { series_.clear(); }

private:
    struct State {
        std::int64_t recorded_ms;
        Sample recorded;
        std::int64_t seen_ms;
        Sample seen;
    };
    static void close(const State& st, std::vector<Row>& out) {
        if (st.seen_ms > st.recorded_ms) out.push_back({st.seen_ms, st.seen});
    }

    std::int64_t heartbeat_ms_;
    std::map<std::string, State, std::less<>> series_;
};

}  // namespace hashsink::journal
