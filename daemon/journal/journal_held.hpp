// History from raw rows read as sample-and-hold, for rows recorded on change
// (journal_held.cpp).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/journal/journal_impl.hpp"

namespace hashsink::journal {

// One series' value over time in one bucket: sums weighted by the milliseconds each value held.
struct HeldAgg {
    double weight_ms = 0, sum = 0, pos = 0, neg = 0, min = 0, max = 0;
    void add(double v, std::int64_t ms);
    double mean() const { return sum / weight_ms; }
};

struct HeldRow {
    std::int64_t ts_ms = 0;
    double value = 0;
};

struct HeldWindow {
    std::int64_t from_ms = 0, to_ms = 0, bucket_ms = 0;
    std::int64_t hold_ms = 0;  // the longest a value holds without a next row
    // The newest row of the table: a series' last row holds until then (at most hold_ms), as
    // the journal was recording and saw no change.
    std::int64_t newest_ms = 0;
};

// How long a value holds when the next row is further than hold_ms (a gap) or, at the newest
// row, when nothing newer was recorded: one 1 s sample.
constexpr std::int64_t kShortHoldMs = 1000;

// Folds one series' rows (oldest first) into buckets of `w`.
void fold_held(const std::vector<HeldRow>& rows, const HeldWindow& w,
               std::map<std::int64_t, HeldAgg>& out);

// Rows of a query binding ?1 from, ?2 to (and ?3 signal when given), columns series, ts_ms and
// the value at value_column, ordered by series and time: each series' rows, oldest first. A NULL
// value is no row.
Result<std::map<std::string, std::vector<HeldRow>>> read_series(Database& db, const char* sql,
                                                                std::int64_t from_ms,
                                                                std::int64_t to_ms,
                                                                std::string_view signal,
                                                                int value_column);

// The site's history and one signal's history in buckets of w, from the raw rows. The caller
// holds the read connection's mutex. Errors carry SQLite's message.
Result<std::vector<HistoryRow>> held_history(Database& db, const HeldWindow& w);
Result<std::vector<SignalBucket>> held_signal_history(Database& db, std::string_view signal,
                                                      const HeldWindow& w);

}  // namespace hashsink::journal
