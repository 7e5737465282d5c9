// The journal: every reading, decision, target, apply result and event, in SQLite.
//
// Record calls enqueue and return at once; one writer thread owns the write connection and
// commits what is queued in one transaction per batch: within commit_interval when an event or a
// failed apply result waits, else every history_interval. A kill -9 loses at most what waits
// (WAL, synchronous=NORMAL) and never corrupts the file. SQLite
// errors are logged and counted in stats(), never thrown: a full disk or a read-only file leaves
// the daemon running with a journal that reports it cannot write. Meanwhile events wait in
// memory (up to 1000) and the other rows are lost and counted; every batch tries again, and once
// one commits the waiting events are written, with `journal.write_failed` and
// `journal.writing_again` around the gap.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/miner.hpp"
#include "daemon/core/policy.hpp"
#include "daemon/core/result.hpp"
#include "daemon/core/severity.hpp"
#include "daemon/core/time.hpp"
#include "daemon/journal/change_filter.hpp"

namespace hashsink::journal {

using hashsink::Severity;

// Recording on change (docs/journal.md, "Recording on change"): a sample is written when it moves
// beyond its band from the last one written, at least every heartbeat, and around starts, gaps
// and changes. Bands go by the unit at the end of a signal's name; other signals (states,
// flags, prices) are written on any change. The rollups still fold every sample.
struct RecordingOptions {
    bool on_change = false;  // false: every sample is a row
    Duration heartbeat{std::chrono::minutes{5}};
    Deadband power{10, 0.01};        // *_w, miner power, decision budget
    Deadband temperature{1, 0};      // *_c
    Deadband percent{0.5, 0};        // *_pct
    Deadband frequency_hz{0.02, 0};  // *_hz
    Deadband fan_rpm{0, 0.03};       // *_rpm
    Deadband hashrate{0, 0.02};      // *_ths
};

struct JournalOptions {
    std::string path;                                   // the SQLite file
    Duration commit_interval{500};                      // events wait at most this long
    // History rows (readings, miner states, decisions, targets and their successful apply
    // results) wait in memory up to this long, so the card sees few commits; events and failed
    // apply results are committed within commit_interval, with whatever waits. 0: as
    // commit_interval.
    Duration history_interval{0};
    std::size_t queue_capacity = 200000;                // rows; more are dropped and counted
    Duration retention{std::chrono::hours{24 * 30}};    // rows older than this are deleted
    // Per-tick rows (readings, miner_states, decisions) older than this are deleted; the
    // per-minute and per-hour rollups keep the history up to `retention`. 0: as retention.
    Duration keep_raw{std::chrono::hours{24 * 14}};
    // Additive tuning, defaults suit the daemon:
    std::size_t batch_rows = 5000;                      // start a batch early at this depth
    Duration retention_interval{std::chrono::minutes{10}};  // how often pruning starts
    Duration checkpoint_interval{std::chrono::seconds{60}};  // PASSIVE WAL checkpoints
    const Clock* clock = nullptr;                       // retention's "now"; nullptr: system
    RecordingOptions recording;
    // Called before each migration open() applies to an existing file (its number; not for a
    // new file): a migration may take long
    // (migration 3 folds every raw row into the rollups), so the daemon says so and asks
    // systemd for more start time.
    std::function<void(int version)> on_migration;
};

// One signal value of a tick; the tick's time is passed to record_readings.
struct ReadingRow {
    std::string signal;     // e.g. "grid.power_w": the unit is in the name
    double value = 0;
    std::string source;     // id of the source that produced it
};

struct EventRow {
    std::int64_t ts_ms = 0;
    Severity severity = Severity::info;
    std::string code;       // stable message id, e.g. "miner.offline"
    std::string subject;    // what it is about, e.g. a miner id
    std::string message;
    std::int64_t id = 0;    // rowid: a cursor for events_after
};

// One time bucket of the site's history: averages over the bucket, NULL-free where data exists.
struct HistoryRow {
    std::int64_t ts_ms = 0;                     // bucket start
    std::optional<double> pv_w;                 // pv.ac_power_w
    std::optional<double> grid_w;               // grid.power_w, + import / - export
    std::optional<double> grid_min_w;           // lowest grid.power_w in the bucket (peak export)
    std::optional<double> grid_max_w;           // highest grid.power_w in the bucket (peak import)
    std::optional<double> import_w;             // mean of max(grid, 0)
    std::optional<double> export_w;             // mean of max(-grid, 0)
    std::optional<double> battery_w;            // battery.power_w
    std::optional<double> generator_w;          // genset.power_w
    std::optional<double> miners_w;             // sum over miners of each one's mean power
    std::optional<double> hashrate_ths;         // sum over miners of each one's mean hashrate
    std::optional<double> price_import_per_kwh;
    std::optional<double> hashprice_per_th_day;
};

// One bucket of one signal's history.
struct SignalBucket {
    std::int64_t ts_ms = 0;         // bucket start
    double mean = 0;
    double min = 0;
    double max = 0;
};

// Where a history query reads: the raw rows, or the per-minute / per-hour rollups.
enum class Resolution { automatic, raw, minute, hour };
std::string_view to_string(Resolution r) noexcept;

struct HistoryQuery {
    std::int64_t from_ms = 0;
    std::int64_t to_ms = 0;         // exclusive
    std::int64_t bucket_ms = 60'000;
    // automatic: the coarsest table whose period divides bucket_ms (hour, minute, else raw).
    // A rollup covers whole periods: from_ms is widened to the start of its minute or hour.
    Resolution resolution = Resolution::automatic;
};

// The bucket sizes history offers (1 s to 7 days, in 1-2-5 like steps).
const std::vector<std::int64_t>& history_buckets_ms();
// The resolution an automatic query with this bucket reads.
Resolution resolution_for_bucket(std::int64_t bucket_ms) noexcept;

struct DecisionRow {
    std::int64_t ts_ms = 0;
    std::uint64_t tick = 0;
    std::string policy;
    double budget_w = 0;
    bool fail_safe = false;
    bool hold = false;
    bool shed = false;
    std::string reason;
    std::string memory_json;                    // the policy's state: {"v":N,...}, {} for none
    std::optional<double> heat_floor_w;         // sum of the heat floors (none: no floor)
    std::optional<double> hash_value_per_h;     // what the miners earn, currency/h (economics)
    std::optional<double> heat_value_per_h;
};

struct Stats {
    std::uint64_t rows_written = 0;     // rows inserted or updated and committed since open
    std::uint64_t rows_dropped = 0;     // refused because the queue was full
    std::uint64_t rows_failed = 0;      // lost because writing them failed (a full disk)
    std::uint64_t commits = 0;
    std::size_t queue_depth = 0;        // rows waiting: queued, and digested ones to write
    std::size_t queue_bytes = 0;        // estimated memory of the queued ones
    std::optional<TimePoint> last_commit;   // wall-clock time of the last successful commit
    bool writing = true;                // false while the last write attempt failed
    std::string last_error;             // most recent error, kept after recovery
    std::optional<TimePoint> last_error_at;
};

class Journal {
public:
    // The latest schema version this code knows.
    static int schema_version() noexcept;

    // Opens (creating and migrating as needed) the database and starts the writer thread.
    // A file SQLite cannot read as a database is moved aside first (set_aside_note()).
    // Errors: the file cannot be opened or created (a missing or read-only folder), it is
    // another program's database, its schema is newer than this code, or a migration failed. A
    // current database on a read-only file opens, and the journal reports that it cannot write.
    static Result<std::unique_ptr<Journal>> open(const JournalOptions& options);

    ~Journal();     // flushes, then stops the writer
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    // Non-blocking: enqueue and return. Never throw. Rows beyond queue_capacity are dropped
    // and counted (a readings batch is taken or dropped whole).
    void record_readings(TimePoint at, const std::vector<ReadingRow>& rows) noexcept;
    void record_readings(TimePoint at, std::vector<ReadingRow>&& rows) noexcept;   // no copy
    void record_miner_state(TimePoint at, const std::string& miner_id,
                            const MinerState& state) noexcept;
    void record_decision(TimePoint at, std::uint64_t tick, const Decision& decision) noexcept;
    void record_target(TimePoint at, std::uint64_t tick, const std::string& miner_id,
                       const MinerTarget& target, const std::string& reason) noexcept;
    // Fills the result columns of the target row with the same tick and miner.
    void record_apply_result(TimePoint at, std::uint64_t tick, const std::string& miner_id,
                             const Status& result) noexcept;
    void record_event(TimePoint at, Severity severity, std::string code, std::string subject,
                      std::string message) noexcept;

    // When open() found the file unusable and moved it aside: what it did, for an event.
    std::optional<std::string> set_aside_note() const;

    // Blocks until everything queued before the call is committed (or has failed).
    void flush() noexcept;
    // Flushes when history waits and the last such call's flush is a minute old: history() and
    // signal_history() call it, so a chart ends at the present while the file sees a history
    // commit every history_interval (and at most one more a minute while someone reads).
    void catch_up() noexcept;
    Stats stats() const;

    // Readers use their own read-only connection and are safe from any thread. Newest first;
    // empty on error (which is logged and kept in stats().last_error).
    std::vector<EventRow> recent_events(std::size_t limit);
    std::vector<DecisionRow> recent_decisions(std::size_t limit);
    // Events with a rowid above after_id, oldest first (a live feed's cursor).
    std::vector<EventRow> events_after(std::int64_t after_id, std::size_t limit);
    // The history downsampled in SQL: one row per bucket that has data, oldest first. Refuses
    // ranges of more than 100 000 buckets.
    Result<std::vector<HistoryRow>> history(const HistoryQuery& query);
    // Any one signal (a zone's temperature, the generator's frequency, ...) in the same buckets
    // and tables as history: one bucket per bucket with a value, oldest first.
    Result<std::vector<SignalBucket>> signal_history(std::string_view signal,
                                                     const HistoryQuery& query);
    // A query for [from_ms, to_ms) with at most max_points buckets: the smallest bucket of
    // history_buckets_ms() that fits, at least a minute where the raw rows are already pruned
    // (keep_raw), and the resolution that bucket reads.
    HistoryQuery plan_history(std::int64_t from_ms, std::int64_t to_ms,
                              std::int64_t max_points) const;
    // Rows in one of the journal's tables (others are refused).
    Result<std::int64_t> count(std::string_view table);

    struct Impl;

private:
    explicit Journal(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace hashsink::journal
