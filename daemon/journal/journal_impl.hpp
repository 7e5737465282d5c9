// The journal's inside, shared by its files: the queue entries and Journal::Impl. The writer
// (journal.cpp) queues and writes them, journal_rollups.cpp folds them into the per-minute and
// per-hour tables, journal_retention.cpp prunes and checkpoints, journal_queries.cpp reads.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "daemon/journal/journal.hpp"
#include "daemon/journal/schema.hpp"
#include "daemon/journal/sqlite.hpp"

namespace hashsink::journal {

// Queue entries: plain copies of what the caller passed, converted to SQL by the writer.
struct ReadingsEntry {
    std::int64_t ts_ms;
    std::vector<ReadingRow> rows;
};
struct MinerStateEntry {
    std::int64_t ts_ms;
    std::string miner_id;
    bool online;
    MinerRunState state;
    std::optional<double> hashrate_ths, power_w, frequency_mhz, core_voltage_mv, chip_temp_c,
        vr_temp_c, fan_rpm;
};
struct DecisionEntry {
    std::int64_t ts_ms;
    std::uint64_t tick;
    Decision decision;      // without its per-miner maps: their sums are below
    std::optional<double> heat_floor_w, hash_value_per_h, heat_value_per_h;
};

struct TargetEntry {
    std::int64_t ts_ms;
    std::uint64_t tick;
    std::string miner_id;
    MinerTarget target;
    std::string reason;
};
struct ApplyResultEntry {
    std::int64_t ts_ms;
    std::uint64_t tick;
    std::string miner_id;
    Status result;
};
struct EventEntry {
    std::int64_t ts_ms;
    Severity severity;
    std::string code, subject, message;
};
using Entry = std::variant<ReadingsEntry, MinerStateEntry, DecisionEntry, TargetEntry,
                           ApplyResultEntry, EventEntry>;

inline std::size_t rows_of(const Entry& e) {
    if (const auto* r = std::get_if<ReadingsEntry>(&e)) return r->rows.size();
    return 1;
}

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 3'600'000;

inline std::int64_t floor_to(std::int64_t ts_ms, std::int64_t period_ms) {
    std::int64_t q = ts_ms / period_ms;
    if (ts_ms % period_ms < 0) --q;     // floor, not truncation, before 1970
    return q * period_ms;
}

// One signal's values in one rollup period: sums and counts, so periods combine exactly.
struct ReadingAgg {
    std::int64_t n = 0;
    double sum = 0, min = 0, max = 0, pos = 0, neg = 0;
    void add(double v) {
        min = n == 0 ? v : std::min(min, v);
        max = n == 0 ? v : std::max(max, v);
        ++n;
        sum += v;
        pos += std::max(v, 0.0);
        neg += std::max(-v, 0.0);
    }
    void merge(const ReadingAgg& o) {
        if (o.n == 0) return;
        min = n == 0 ? o.min : std::min(min, o.min);
        max = n == 0 ? o.max : std::max(max, o.max);
        n += o.n;
        sum += o.sum;
        pos += o.pos;
        neg += o.neg;
    }
};

// One measurement of a miner in a period: an offline poll counts as 0, a missing one not at all
// (as the raw history query does).
struct SeriesAgg {
    std::int64_t n = 0;
    double sum = 0;
    std::optional<double> min, max;
    void add(double v) {
        ++n;
        sum += v;
        min = min ? std::min(*min, v) : v;
        max = max ? std::max(*max, v) : v;
    }
    void merge(const SeriesAgg& o) {
        n += o.n;
        sum += o.sum;
        if (o.min) min = min ? std::min(*min, *o.min) : *o.min;
        if (o.max) max = max ? std::max(*max, *o.max) : *o.max;
    }
};
struct MinerAgg {
    std::int64_t n = 0, online_n = 0;
    SeriesAgg power_w, hashrate_ths;
    void add(bool online, const std::optional<double>& p, const std::optional<double>& h) {
        ++n;
        if (online) ++online_n;
        auto value = [&](const std::optional<double>& v) -> std::optional<double> {
            if (!online) return 0.0;
            if (!v || std::isnan(*v)) return std::nullopt;  // stored as NULL
            return *v;
        };
        if (auto v = value(p)) power_w.add(*v);
        if (auto v = value(h)) hashrate_ths.add(*v);
    }
    void merge(const MinerAgg& o) {
        n += o.n;
        online_n += o.online_n;
        power_w.merge(o.power_w);
        hashrate_ths.merge(o.hashrate_ths);
    }
};
// (series name, period start) -> aggregate
template <class Agg>
using AggMap = std::map<std::pair<std::string, std::int64_t>, Agg>;

// The change filters of recording on change, and the rows they keep (journal_recording.cpp).
struct ChangeFilters {
    explicit ChangeFilters(const RecordingOptions& o);
    RecordingOptions options;
    ChangeFilter<ReadingRow> readings;
    ChangeFilter<MinerStateEntry> miners;
    ChangeFilter<DecisionEntry> decisions;
    // The entries of the batch to write: what moved beyond its band, the heartbeats, the rows
    // around starts, gaps and changes. closing: the journal stops, every series ends.
    std::vector<Entry> keep(const std::vector<Entry>& batch, bool closing);
    void reset();
};

// An entry that must not wait for the history batch: what an operator audits after a crash.
inline bool is_urgent(const Entry& e) {
    if (std::holds_alternative<EventEntry>(e)) return true;
    const auto* r = std::get_if<ApplyResultEntry>(&e);
    return r != nullptr && !r->result.ok();
}

// Looks a name up by string_view: the writer's name cache costs no string per reading.
struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
        return std::hash<std::string_view>{}(s);
    }
};

// How long the history of a failed commit waits before it is tried again, doubling.
inline constexpr Duration kFirstHistoryBackoff = std::chrono::seconds{1};
inline constexpr Duration kMaxHistoryBackoff = std::chrono::seconds{30};

struct Journal::Impl {
    std::optional<std::string> set_aside;  // what was done with an unusable file at open
    JournalOptions options;
    std::string what;           // the path, for messages
    Database write_db;
    Database read_db;
    bool read_only = false;

    // Prepared on the write connection, used only by the writer thread.
    Statement insert_reading, insert_miner_state, insert_decision, insert_target, update_result,
        insert_event;
    Statement upsert_readings_1m, upsert_readings_1h, upsert_miners_1m, upsert_miners_1h;
    Statement insert_name, select_name;
    std::vector<std::pair<StoredTable, Statement>> prune;  // table -> delete statement

    mutable std::mutex mutex;
    std::condition_variable wake_writer;
    std::condition_variable flushed;
    std::vector<Entry> queue;
    std::size_t queued_rows = 0;
    std::size_t queued_bytes = 0;
    bool urgent_queued = false;  // an event or a failed apply result waits
    std::uint64_t flush_requests = 0;
    std::uint64_t flushes_served = 0;
    std::optional<std::chrono::steady_clock::time_point> last_catch_up;  // a history read's flush
    std::size_t digested_rows = 0;  // the writer's pending rows, for stats and catch_up
    bool stop = false;
    Stats stats;

    mutable std::mutex read_mutex;
    std::thread writer;

    // Writer-thread state.
    // Events of failed batches (and the journal's own), written first in the next batch: while
    // the disk is full the operator's events wait in memory, up to kMaxCarriedEvents.
    std::vector<Entry> carried_events;
    std::chrono::steady_clock::time_point failing_since{};
    std::uint64_t failed_before = 0;  // stats.rows_failed when writing stopped
    std::chrono::steady_clock::time_point next_retention{};
    std::chrono::steady_clock::time_point next_checkpoint{};
    std::optional<ChangeFilters> filters;  // recording on change; nullopt: every sample
    // What waits for the next commit, digested every commit_interval so that a long
    // history_interval holds the rows to write (with on_change, the few the filters keep) and
    // the minute rollups of every sample, not every sample.
    std::vector<Entry> pending;
    // After a failed commit the history is tried again from this time, the backoff doubling
    // from kFirstHistoryBackoff to kMaxHistoryBackoff; a commit resets both.
    std::chrono::steady_clock::time_point history_retry_at{};
    Duration history_backoff = kFirstHistoryBackoff;
    // The numbers of the signal and source names written (the `names` table), as committed:
    // a rolled-back batch clears it.
    std::unordered_map<std::string, std::int64_t, NameHash, std::equal_to<>> name_ids;
    std::size_t pending_rows = 0;
    AggMap<ReadingAgg> pending_readings;  // (signal, minute)
    AggMap<MinerAgg> pending_miners;      // (miner, minute)
    bool pruning = false;
    std::size_t prune_table = 0;

    TimePoint now() const { return options.clock ? options.clock->now() : WallClock::now(); }
    // Recording on change: the longest a raw row's value holds without a next row (the
    // heartbeat and a gap); 0: every sample is a row and raw reads average the rows.
    std::int64_t hold_ms() const {
        if (!options.recording.on_change) return 0;
        return kGapMs +
               std::chrono::duration_cast<std::chrono::milliseconds>(options.recording.heartbeat)
                   .count();
    }

    void enqueue(Entry&& e) noexcept;
    // Builds an entry and queues it. An entry that cannot be built (out of memory) is counted
    // as `rows` dropped, like one the full queue refuses: the caller is never thrown at.
    template <class Build>
    void enqueue_built(std::size_t rows, Build&& build) noexcept {
        try {
            enqueue(build());
        } catch (...) {
            std::lock_guard lock(mutex);
            stats.rows_dropped += rows;
        }
    }
    void run() noexcept;
    // Folds a batch taken from the queue into what waits: its rollups, and the rows to write
    // (closing: the journal stops; each series' last sample is kept).
    void digest(std::vector<Entry>& batch, bool closing);
    // Commits the carried events and what waits, or keeps them for the next attempt on failure
    // (keep_for_retry). force: the history too while its retry backs off (a flush, the stop).
    void write_pending(bool force);
    // A failed batch's events carried to the next cycle and its history and rollups put back
    // in front of what waits, up to queue_capacity rows; returns the rows lost.
    std::uint64_t keep_for_retry(std::vector<Entry>& batch, AggMap<ReadingAgg>& readings,
                                 AggMap<MinerAgg>& miners);
    // What waits cut to queue_capacity rows, the oldest first; returns the rows lost.
    std::uint64_t trim_pending();
    int write_entry(Entry& e, std::uint64_t& rows);
    int write_readings(const ReadingsEntry& e, std::uint64_t& rows);
    // A signal or source name's number in `names`, added when new; the SQLite error otherwise.
    std::variant<std::int64_t, int> name_id(std::string_view name);
    // One entry's values bound to its prepared statement, which is returned ready to step.
    Statement& bind_row(const MinerStateEntry& e);
    Statement& bind_row(const DecisionEntry& e);
    Statement& bind_row(const TargetEntry& e);
    Statement& bind_row(const ApplyResultEntry& e);
    Statement& bind_row(const EventEntry& e);
    void fold_rollups(const std::vector<Entry>& batch);  // journal_rollups.cpp
    // The minute rollups and the hours they fall in, upserted (journal_rollups.cpp).
    int write_rollups(const AggMap<ReadingAgg>& readings, const AggMap<MinerAgg>& miners);
    // journal_retention.cpp
    std::int64_t raw_cutoff_ms() const;     // INT64_MIN: raw rows are kept as long as the rest
    void maintain();
    // writing=false marks the writer as failing; read errors only set last_error.
    void note_error(const std::string& operation, const std::string& cause, bool writing = true);
    void note_ok();
    void carry_event(Severity severity, std::string code, std::string message);
    Status prepare_statements();
    Status prepare_rollups();   // journal_rollups.cpp
    Status prepare_pruning();   // journal_retention.cpp
};

}  // namespace hashsink::journal
