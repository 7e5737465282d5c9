#include "daemon/journal/journal.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <utility>
#include <variant>

#include "daemon/core/log.hpp"
#include "daemon/journal/journal_impl.hpp"
#include "daemon/journal/schema.hpp"
#include "daemon/journal/sqlite.hpp"
#include "daemon/journal/unusable_file.hpp"

namespace hashsink::journal {

namespace {

constexpr std::string_view kArea = "journal";
constexpr int kBusyTimeoutMs = 2000;
constexpr const char* kNewFilePageSize = "PRAGMA page_size=1024";
// Events kept in memory while the journal cannot write; later ones are lost and counted.
constexpr std::size_t kMaxCarriedEvents = 1000;

// Heap a string holds beyond its in-object buffer.
std::size_t heap_of(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

std::size_t bytes_of(const Entry& e) {
    std::size_t bytes = sizeof(Entry);
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, ReadingsEntry>) {
                bytes += v.rows.capacity() * sizeof(ReadingRow);
                for (const auto& r : v.rows) bytes += heap_of(r.signal) + heap_of(r.source);
            } else if constexpr (std::is_same_v<T, MinerStateEntry>) {
                bytes += heap_of(v.miner_id);
            } else if constexpr (std::is_same_v<T, DecisionEntry>) {
                bytes += heap_of(v.decision.policy) + heap_of(v.decision.reason);
                bytes += v.decision.memory.bytes();
            } else if constexpr (std::is_same_v<T, TargetEntry>) {
                bytes += heap_of(v.miner_id) + heap_of(v.reason);
            } else if constexpr (std::is_same_v<T, ApplyResultEntry>) {
                bytes += heap_of(v.miner_id) + heap_of(v.result.message);
            } else {
                bytes += heap_of(v.code) + heap_of(v.subject) + heap_of(v.message);
            }
        },
        e);
    return bytes;
}

}  // namespace

void Journal::Impl::enqueue(Entry&& e) noexcept {
    try {
        std::size_t rows = rows_of(e);
        std::size_t bytes = bytes_of(e);
        std::lock_guard lock(mutex);
        if (stop || read_only || queued_rows + rows > options.queue_capacity) {
            stats.rows_dropped += rows;
            return;
        }
        urgent_queued = urgent_queued || is_urgent(e);
        queue.push_back(std::move(e));
        queued_rows += rows;
        queued_bytes += bytes;
        if (queued_rows >= options.batch_rows) wake_writer.notify_one();
    } catch (...) {
        // Out of memory: the row is lost, the caller is not.
        std::lock_guard lock(mutex);
        stats.rows_dropped += rows_of(e);
    }
}

void Journal::Impl::note_error(const std::string& operation, const std::string& cause,
                               bool writing) {
    std::string message = "journal " + what + ": " + operation + ": " + cause;
    bool was_writing = false;
    bool changed = false;
    {
        std::lock_guard lock(mutex);
        was_writing = stats.writing && writing;
        changed = stats.last_error != message;
        if (writing) stats.writing = false;
        stats.last_error = message;
        stats.last_error_at = WallClock::now();
        if (was_writing) failed_before = stats.rows_failed;
    }
    // Log the first failure and each new cause, not every batch of a full disk.
    if (was_writing || changed) log::error(kArea, message);
    if (was_writing) {
        failing_since = std::chrono::steady_clock::now();
        carry_event(Severity::error, "journal.write_failed", message);
    }
}

void Journal::Impl::note_ok() {
    bool recovered = false;
    std::uint64_t lost = 0;
    {
        std::lock_guard lock(mutex);
        recovered = !stats.writing;
        stats.writing = true;
        lost = stats.rows_failed - failed_before;
    }
    if (!recovered) return;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - failing_since).count();
    char text[160];
    std::snprintf(text, sizeof text,
                  ": writing again after %.1f s; %llu rows lost while it could not write", seconds,
                  static_cast<unsigned long long>(lost));
    const std::string message = "journal " + what + text;
    log::notice(kArea, message);
    carry_event(Severity::notice, "journal.writing_again", message);
}

void Journal::Impl::carry_event(Severity severity, std::string code, std::string message) {
    try {
        if (carried_events.size() < kMaxCarriedEvents) {
            carried_events.emplace_back(EventEntry{unix_ms(now()), severity, std::move(code),
                                                   "journal", std::move(message)});
            return;
        }
    } catch (...) {
        // Out of memory: counted below like any lost row.
    }
    std::lock_guard lock(mutex);
    stats.rows_failed += 1;
}

std::uint64_t Journal::Impl::keep_for_retry(std::vector<Entry>& batch, AggMap<ReadingAgg>& readings,
                                            AggMap<MinerAgg>& miners) {
    std::uint64_t lost = 0;
    std::vector<Entry> history;
    std::size_t history_rows = 0;
    for (auto& e : batch) {
        if (std::holds_alternative<EventEntry>(e)) {
            if (carried_events.size() < kMaxCarriedEvents)
                carried_events.push_back(std::move(e));
            else
                lost += rows_of(e);
        } else {
            history_rows += rows_of(e);
            history.push_back(std::move(e));
        }
    }
    // Older than anything digested since: first in line.
    pending.insert(pending.begin(), std::make_move_iterator(history.begin()),
                   std::make_move_iterator(history.end()));
    pending_rows += history_rows;
    for (auto& [key, agg] : readings) pending_readings[key].merge(agg);
    for (auto& [key, agg] : miners) pending_miners[key].merge(agg);
    return lost + trim_pending();
}

std::uint64_t Journal::Impl::trim_pending() {
    // Bounded: past queue_capacity rows the oldest are lost, and the filters no longer know
    // what was written (the next sample of each series is a row).
    std::uint64_t lost = 0;
    std::size_t drop = 0;
    while (drop < pending.size() && pending_rows > options.queue_capacity) {
        pending_rows -= rows_of(pending[drop]);
        lost += rows_of(pending[drop]);
        ++drop;
    }
    if (drop > 0) {
        pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(drop));
        if (filters) filters->reset();
    }
    if (pending_readings.size() + pending_miners.size() > options.queue_capacity) {
        pending_readings.clear();  // a minute each series: hours of a large fleet
        pending_miners.clear();
    }
    return lost;
}

namespace {
// Errors that concern one row: skip it and keep the batch.
bool row_error(int rc) {
    int primary = rc & 0xff;
    return primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_TOOBIG ||
           primary == SQLITE_RANGE;
}
}  // namespace

void Journal::Impl::digest(std::vector<Entry>& batch, bool closing) {
    // Recording on change: the rows kept; the rollups still fold every sample.
    fold_rollups(batch);
    std::vector<Entry> kept;
    if (filters) kept = filters->keep(batch, closing);
    std::vector<Entry>& rows = filters ? kept : batch;
    for (auto& e : rows) {
        pending_rows += rows_of(e);
        pending.push_back(std::move(e));
    }
}

void Journal::Impl::write_pending(bool force) {
    // Taken whole: written with this commit, or kept for the next attempt. While writing
    // fails, the history waits out a backoff (events and a flush or stop do not).
    const auto steady_now = std::chrono::steady_clock::now();
    const bool with_history = force || steady_now >= history_retry_at;
    std::vector<Entry> batch;
    batch.swap(carried_events);
    AggMap<ReadingAgg> readings;
    AggMap<MinerAgg> miners;
    if (!with_history) {
        // Backing off: what waits still keeps to its bound.
        const std::uint64_t lost = trim_pending();
        std::lock_guard lock(mutex);
        stats.rows_failed += lost;
    } else {
        batch.insert(batch.end(), std::make_move_iterator(pending.begin()),
                     std::make_move_iterator(pending.end()));
        pending.clear();
        pending_rows = 0;
        readings.swap(pending_readings);
        miners.swap(pending_miners);
    }
    if (batch.empty() && readings.empty() && miners.empty()) return;
    // A failed batch is rolled back whole and kept: its events for the next cycle, its history
    // after a backoff, up to queue_capacity rows.
    auto fail = [&](const char* operation, bool rollback) {
        const std::string cause = write_db.message();
        if (rollback) write_db.exec("ROLLBACK");
        name_ids.clear();  // names added in this batch are rolled back with it
        const std::uint64_t lost = keep_for_retry(batch, readings, miners);
        if (with_history) {  // events alone failing do not put the history further off
            history_retry_at = steady_now + history_backoff;
            history_backoff = std::min<Duration>(2 * history_backoff, kMaxHistoryBackoff);
        }
        note_error(operation, cause);  // its event after the batch's, counting from this batch
        std::lock_guard lock(mutex);
        stats.rows_failed += lost;
    };
    if (write_db.exec("BEGIN IMMEDIATE") != SQLITE_OK) return fail("begin transaction", false);
    std::uint64_t written = 0;
    std::uint64_t skipped = 0;
    for (auto& e : batch) {
        std::uint64_t rows = 0;
        int rc = write_entry(e, rows);
        written += rows;
        if (rc == SQLITE_DONE) continue;
        if (row_error(rc)) {
            skipped += rows_of(e) - rows;
            log::warn(kArea, "journal " + what + ": write row: " + write_db.message());
            continue;
        }
        return fail("write batch", true);
    }
    if (write_rollups(readings, miners) != SQLITE_DONE) return fail("write rollups", true);
    if (write_db.exec("COMMIT") != SQLITE_OK) return fail("commit", true);
    history_retry_at = {};
    history_backoff = kFirstHistoryBackoff;
    note_ok();
    std::lock_guard lock(mutex);
    stats.rows_written += written;
    stats.rows_failed += skipped;
    stats.commits += 1;
    stats.last_commit = WallClock::now();
}

void Journal::Impl::run() noexcept {
    const Duration history_interval =
        options.history_interval > Duration{0} ? options.history_interval : options.commit_interval;
    auto next_commit = std::chrono::steady_clock::now() + options.commit_interval;
    auto next_history = std::chrono::steady_clock::now() + history_interval;
    for (;;) {
        std::vector<Entry> batch;
        std::uint64_t serving = 0;
        bool stopping = false;
        bool due = false;
        {
            std::unique_lock lock(mutex);
            wake_writer.wait_until(lock, next_commit, [&] {
                return stop || flush_requests > flushes_served ||
                       queued_rows >= options.batch_rows;
            });
            // History waits for its interval unless something must not (or a retry is due);
            // every cycle digests what is queued.
            due = stop || flush_requests > flushes_served ||
                  queued_rows + pending_rows >= options.batch_rows || urgent_queued ||
                  !carried_events.empty() || std::chrono::steady_clock::now() >= next_history;
            batch.swap(queue);
            queued_rows = 0;
            queued_bytes = 0;
            urgent_queued = false;
            serving = flush_requests;
            stopping = stop;
        }
        next_commit = std::chrono::steady_clock::now() + options.commit_interval;
        if (due) next_history = std::chrono::steady_clock::now() + history_interval;
        try {
            if (!batch.empty() || (stopping && filters)) digest(batch, stopping);
            batch.clear();
            if (due) write_pending(stopping || serving > flushes_served);
            maintain();
        } catch (const std::exception& e) {
            note_error("write", e.what());
        } catch (...) {
            note_error("write", "unexpected error");
        }
        {
            std::lock_guard lock(mutex);
            digested_rows = pending_rows;
            flushes_served = serving;
            if (stopping && queue.empty()) {
                stats.rows_failed += pending_rows;  // the last attempt failed: lost now
                if (pending_rows > 0) {
                    log::error(kArea, "journal " + what + ": stopping with " +
                                          std::to_string(pending_rows) +
                                          " rows that could not be written; they are lost");
                }
                flushed.notify_all();
                return;
            }
        }
        flushed.notify_all();
    }
}

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Journal::~Journal() {
    if (!impl_) return;
    {
        std::lock_guard lock(impl_->mutex);
        impl_->stop = true;
    }
    impl_->wake_writer.notify_one();
    if (impl_->writer.joinable()) impl_->writer.join();
    // Statements before their connection.
    impl_->insert_reading = {};
    impl_->insert_miner_state = {};
    impl_->insert_decision = {};
    impl_->insert_target = {};
    impl_->update_result = {};
    impl_->insert_event = {};
    impl_->upsert_readings_1m = {};
    impl_->upsert_readings_1h = {};
    impl_->upsert_miners_1m = {};
    impl_->upsert_miners_1h = {};
    impl_->insert_name = {};
    impl_->select_name = {};
    impl_->prune.clear();
    if (impl_->write_db && !impl_->read_only) {
        sqlite3_wal_checkpoint_v2(impl_->write_db.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                  nullptr, nullptr);
    }
}

int Journal::schema_version() noexcept { return latest_schema_version(); }

Result<std::unique_ptr<Journal>> Journal::open(const JournalOptions& options) {
    auto fail = [&](const std::string& operation, const std::string& cause) {
        return Status::error(ErrorCode::io,
                             "journal " + options.path + ": " + operation + ": " + cause, false);
    };
    if (options.path.empty()) return fail("open database", "no path given");
    if (options.queue_capacity == 0) return fail("open database", "queue_capacity is 0");
    if (options.commit_interval <= Duration{0}) {
        return fail("open database", "commit_interval must be positive");
    }

    auto set_aside = set_aside_unusable(options.path, unix_ms(WallClock::now()) / 1000);
    if (!set_aside) return set_aside.error();
    if (*set_aside) log::error(kArea, **set_aside);

    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->options.batch_rows = std::max<std::size_t>(1, options.batch_rows);
    impl->what = options.path;
    if (options.recording.on_change) impl->filters.emplace(options.recording);
    impl->set_aside = *set_aside;
    Database& db = impl->write_db;
    if (db.open(options.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX) !=
        SQLITE_OK) {
        const std::string why = cannot_create_reason(options.path, db.message());
        return fail("open database", why.empty() ? db.message() : why);
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    impl->read_only = db.read_only();

    // Small pages for a new file (an existing one keeps its own): a commit rewrites the last,
    // partly filled page of every table and index it touches, so the page size, not the rows,
    // sets most of what an SD card is written (docs/performance.md, "Journal footprint").
    db.exec(kNewFilePageSize);
    Status migrated = migrate(db, options.path, unix_ms(WallClock::now()), options.on_migration);
    if (!migrated) return migrated;

    if (!impl->read_only) {
        // WAL: readers never block the writer, and a killed process never corrupts the file.
        auto mode = db.query_text("PRAGMA journal_mode=WAL");
        if (!mode || *mode != "wal") {
            log::warn(kArea, "journal " + options.path +
                                 ": set journal_mode: WAL unavailable, using " +
                                 mode.value_or(db.message()));
        }
        db.exec("PRAGMA synchronous=NORMAL");
        Status prepared = impl->prepare_statements();
        if (!prepared) return prepared;
    } else {
        impl->stats.writing = false;
        impl->stats.last_error =
            "journal " + options.path + ": open database: the file is read-only, not recording";
        impl->stats.last_error_at = WallClock::now();
        log::error(kArea, impl->stats.last_error);
    }

    if (impl->read_db.open(options.path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX) !=
        SQLITE_OK) {
        return fail("open read connection", impl->read_db.message());
    }
    sqlite3_busy_timeout(impl->read_db.get(), kBusyTimeoutMs);

    // Prune soon after start, then every retention_interval.
    impl->next_retention = std::chrono::steady_clock::now();
    impl->next_checkpoint = std::chrono::steady_clock::now() + options.checkpoint_interval;

    Impl* raw = impl.get();
    std::unique_ptr<Journal> journal(new Journal(std::move(impl)));
    if (!raw->read_only) {
        try {
            raw->writer = std::thread([raw] { raw->run(); });
        } catch (const std::exception& e) {
            return fail("start writer thread", e.what());
        }
    }
    return journal;
}

void Journal::record_readings(TimePoint at, const std::vector<ReadingRow>& rows) noexcept {
    if (rows.empty()) return;
    impl_->enqueue_built(rows.size(), [&]() -> Entry { return ReadingsEntry{unix_ms(at), rows}; });
}

void Journal::record_readings(TimePoint at, std::vector<ReadingRow>&& rows) noexcept {
    if (rows.empty()) return;
    const std::size_t n = rows.size();
    impl_->enqueue_built(n, [&]() -> Entry { return ReadingsEntry{unix_ms(at), std::move(rows)}; });
}

void Journal::record_miner_state(TimePoint at, const std::string& miner_id,
                                 const MinerState& s) noexcept {
    impl_->enqueue_built(1, [&]() -> Entry {
        return MinerStateEntry{unix_ms(at),    miner_id,    s.online,        s.state,
                               s.hashrate_ths, s.power_w,   s.frequency_mhz, s.core_voltage_mv,
                               s.chip_temp_c,  s.vr_temp_c, s.fan_rpm};
    });
}

void Journal::record_decision(TimePoint at, std::uint64_t tick, const Decision& d) noexcept {
    impl_->enqueue_built(1, [&]() -> Entry {
        DecisionEntry e{unix_ms(at), tick, {}, {}, {}, {}};
        if (!d.miner_floor_w.empty()) e.heat_floor_w = sum_of(d.miner_floor_w);
        e.decision.policy = d.policy;
        e.decision.budget_w = d.budget_w;
        e.decision.fail_safe = d.fail_safe;
        e.decision.hold = d.hold;
        e.decision.shed = d.shed;
        e.decision.emergency = d.emergency;
        e.decision.reason = d.reason;
        e.decision.memory = d.memory;
        if (!d.report.miner_hash_value_per_h.empty() || !d.report.miner_heat_value_per_h.empty()) {
            e.hash_value_per_h = sum_of(d.report.miner_hash_value_per_h);
            e.heat_value_per_h = sum_of(d.report.miner_heat_value_per_h);
        }
        return e;
    });
}

void Journal::record_target(TimePoint at, std::uint64_t tick, const std::string& miner_id,
                            const MinerTarget& target, const std::string& reason) noexcept {
    impl_->enqueue_built(1, [&]() -> Entry {
        return TargetEntry{unix_ms(at), tick, miner_id, target, reason};
    });
}

void Journal::record_apply_result(TimePoint at, std::uint64_t tick, const std::string& miner_id,
                                  const Status& result) noexcept {
    impl_->enqueue_built(1, [&]() -> Entry {
        return ApplyResultEntry{unix_ms(at), tick, miner_id, result};
    });
}

void Journal::record_event(TimePoint at, Severity severity, std::string code,
                           std::string subject, std::string message) noexcept {
    impl_->enqueue_built(1, [&]() -> Entry {
        return EventEntry{unix_ms(at), severity, std::move(code), std::move(subject),
                          std::move(message)};
    });
}

void Journal::flush() noexcept {
    if (!impl_->writer.joinable()) return;   // read-only: nothing is queued
    std::unique_lock lock(impl_->mutex);
    std::uint64_t wanted = ++impl_->flush_requests;
    impl_->wake_writer.notify_one();
    impl_->flushed.wait(lock, [&] { return impl_->flushes_served >= wanted; });
}

void Journal::catch_up() noexcept {
    constexpr auto kEvery = std::chrono::minutes{1};
    {
        std::lock_guard lock(impl_->mutex);
        const auto now = std::chrono::steady_clock::now();
        if (impl_->queued_rows + impl_->digested_rows == 0 ||
            (impl_->last_catch_up && now - *impl_->last_catch_up < kEvery))
            return;
        impl_->last_catch_up = now;
    }
    flush();
}

Stats Journal::stats() const {
    std::lock_guard lock(impl_->mutex);
    Stats s = impl_->stats;
    s.queue_depth = impl_->queued_rows + impl_->digested_rows;
    s.queue_bytes = impl_->queued_bytes;
    return s;
}

std::optional<std::string> Journal::set_aside_note() const { return impl_->set_aside; }

}  // namespace hashsink::journal
