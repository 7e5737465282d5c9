#include "daemon/journal/journal.hpp"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "daemon/core/log.hpp"
#include "daemon/journal/schema.hpp"
#include "daemon/journal/sqlite.hpp"

namespace hashsink::journal {

namespace {

constexpr std::string_view kArea = "journal";
constexpr int kBusyTimeoutMs = 2000;
constexpr int kPruneBatchRows = 2000;
constexpr Duration kPruneBudget{50};        // pruning per writer cycle, so ticks never wait

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

std::size_t rows_of(const Entry& e) {
    if (const auto* r = std::get_if<ReadingsEntry>(&e)) return r->rows.size();
    return 1;
}

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

// The policy's typed state, {"v":N,...} (policies/common/state.hpp), or {} for none.
std::string memory_json(const PolicyMemory& memory) { return memory.json(); }

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 3'600'000;

std::int64_t floor_to(std::int64_t ts_ms, std::int64_t period_ms) {
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
            if (!v || std::isnan(*v)) return std::nullopt;   // stored as NULL
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

template <class Agg>
AggMap<Agg> coarsen(const AggMap<Agg>& fine, std::int64_t period_ms) {
    AggMap<Agg> out;
    for (const auto& [key, agg] : fine) out[{key.first, floor_to(key.second, period_ms)}].merge(agg);
    return out;
}

std::string upsert_readings_sql(const char* table) {
    return std::string("INSERT INTO ") + table +
           "(ts_ms, signal, n, sum_value, min_value, max_value, sum_pos, sum_neg) "
           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(signal, ts_ms) DO UPDATE SET "
           "n = n + excluded.n, sum_value = sum_value + excluded.sum_value, "
           "min_value = MIN(min_value, excluded.min_value), "
           "max_value = MAX(max_value, excluded.max_value), "
           "sum_pos = sum_pos + excluded.sum_pos, sum_neg = sum_neg + excluded.sum_neg";
}

std::string upsert_miners_sql(const char* table) {
    // MIN/MAX of a NULL and a number is NULL in SQL: keep the number.
    auto lo = [](const char* c) {
        return std::string(c) + " = COALESCE(MIN(" + c + ", excluded." + c + "), " + c +
               ", excluded." + c + ")";
    };
    auto hi = [](const char* c) {
        return std::string(c) + " = COALESCE(MAX(" + c + ", excluded." + c + "), " + c +
               ", excluded." + c + ")";
    };
    return std::string("INSERT INTO ") + table +
           "(ts_ms, miner_id, n, online_n, n_power, sum_power_w, min_power_w, max_power_w, "
           "n_hashrate, sum_hashrate_ths, min_hashrate_ths, max_hashrate_ths) "
           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12) "
           "ON CONFLICT(miner_id, ts_ms) DO UPDATE SET "
           "n = n + excluded.n, online_n = online_n + excluded.online_n, "
           "n_power = n_power + excluded.n_power, "
           "sum_power_w = sum_power_w + excluded.sum_power_w, " +
           lo("min_power_w") + ", " + hi("max_power_w") +
           ", n_hashrate = n_hashrate + excluded.n_hashrate, "
           "sum_hashrate_ths = sum_hashrate_ths + excluded.sum_hashrate_ths, " +
           lo("min_hashrate_ths") + ", " + hi("max_hashrate_ths");
}

// Per-tick tables: pruned at keep_raw; the rollups, targets and events at retention.
bool is_raw_table(const std::string& table) {
    return table == "readings" || table == "miner_states" || table == "decisions";
}

}  // namespace

std::string_view to_string(Resolution r) noexcept {
    switch (r) {
        case Resolution::automatic: return "auto";
        case Resolution::raw: return "raw";
        case Resolution::minute: return "1m";
        case Resolution::hour: return "1h";
    }
    return "auto";
}

const std::vector<std::int64_t>& history_buckets_ms() {
    static const std::vector<std::int64_t> kBuckets = {
        1'000,          2'000,          5'000,         10'000,        15'000,
        30'000,         kMinuteMs,      2 * kMinuteMs, 5 * kMinuteMs, 10 * kMinuteMs,
        15 * kMinuteMs, 30 * kMinuteMs, kHourMs,       2 * kHourMs,   3 * kHourMs,
        6 * kHourMs,    12 * kHourMs,   24 * kHourMs,  48 * kHourMs,  168 * kHourMs};
    return kBuckets;
}

Resolution resolution_for_bucket(std::int64_t bucket_ms) noexcept {
    if (bucket_ms % kHourMs == 0) return Resolution::hour;
    if (bucket_ms % kMinuteMs == 0) return Resolution::minute;
    return Resolution::raw;
}

struct Journal::Impl {
    JournalOptions options;
    std::string what;           // the path, for messages
    Database write_db;
    Database read_db;
    bool read_only = false;

    // Prepared on the write connection, used only by the writer thread.
    Statement insert_reading, insert_miner_state, insert_decision, insert_target, update_result,
        insert_event;
    Statement upsert_readings_1m, upsert_readings_1h, upsert_miners_1m, upsert_miners_1h;
    std::vector<std::pair<std::string, Statement>> prune;   // table -> delete statement

    mutable std::mutex mutex;
    std::condition_variable wake_writer;
    std::condition_variable flushed;
    std::vector<Entry> queue;
    std::size_t queued_rows = 0;
    std::size_t queued_bytes = 0;
    std::uint64_t flush_requests = 0;
    std::uint64_t flushes_served = 0;
    bool stop = false;
    Stats stats;

    mutable std::mutex read_mutex;
    std::thread writer;

    // Writer-thread state.
    std::chrono::steady_clock::time_point next_retention{};
    std::chrono::steady_clock::time_point next_checkpoint{};
    bool pruning = false;
    std::size_t prune_table = 0;

    TimePoint now() const { return options.clock ? options.clock->now() : WallClock::now(); }

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
    void write_batch(std::vector<Entry>& batch);
    int write_entry(Entry& e, std::uint64_t& rows);
    int write_rollups(const std::vector<Entry>& batch);
    std::int64_t raw_cutoff_ms() const;     // INT64_MIN: raw rows are kept as long as the rest
    void maintain();
    // writing=false marks the writer as failing; read errors only set last_error.
    void note_error(const std::string& operation, const std::string& cause, bool writing = true);
    void note_ok();
    Status prepare_statements();
};

void Journal::Impl::enqueue(Entry&& e) noexcept {
    try {
        std::size_t rows = rows_of(e);
        std::size_t bytes = bytes_of(e);
        std::lock_guard lock(mutex);
        if (stop || read_only || queued_rows + rows > options.queue_capacity) {
            stats.rows_dropped += rows;
            return;
        }
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
    }
    // Log the first failure and each new cause, not every batch of a full disk.
    if (was_writing || changed) log::error(kArea, message);
}

void Journal::Impl::note_ok() {
    bool recovered = false;
    {
        std::lock_guard lock(mutex);
        recovered = !stats.writing;
        stats.writing = true;
    }
    if (recovered) log::notice(kArea, "journal " + what + ": writing again");
}

Status Journal::Impl::prepare_statements() {
    struct Spec {
        Statement* stmt;
        const char* sql;
    };
    const Spec specs[] = {
        {&insert_reading, "INSERT INTO readings(ts_ms, signal, value, source) VALUES(?1,?2,?3,?4)"},
        {&insert_miner_state,
         "INSERT INTO miner_states(ts_ms, miner_id, online, state, hashrate_ths, power_w, "
         "frequency_mhz, core_voltage_mv, chip_temp_c, vr_temp_c, fan_rpm) "
         "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)"},
        {&insert_decision,
         "INSERT INTO decisions(ts_ms, tick, policy, budget_w, fail_safe, reason, memory_json, "
         "hold, shed, heat_floor_w, hash_value_per_h, heat_value_per_h) "
         "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"},
        {&insert_target,
         "INSERT INTO targets(ts_ms, tick, miner_id, run, power_w, level, frequency_mhz, "
         "core_voltage_mv, reason) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)"},
        // The newest target of that tick and miner (ticks restart with the daemon).
        {&update_result,
         "UPDATE targets SET result=?1, result_code=?2, result_message=?3, result_ts_ms=?4 "
         "WHERE rowid = (SELECT rowid FROM targets WHERE tick=?5 AND miner_id=?6 "
         "ORDER BY rowid DESC LIMIT 1)"},
        {&insert_event,
         "INSERT INTO events(ts_ms, severity, code, subject, message) VALUES(?1,?2,?3,?4,?5)"},
    };
    const std::pair<Statement*, std::string> upserts[] = {
        {&upsert_readings_1m, upsert_readings_sql("readings_1m")},
        {&upsert_readings_1h, upsert_readings_sql("readings_1h")},
        {&upsert_miners_1m, upsert_miners_sql("miner_states_1m")},
        {&upsert_miners_1h, upsert_miners_sql("miner_states_1h")},
    };
    for (const auto& [stmt, sql] : upserts) {
        if (stmt->prepare(write_db.get(), sql.c_str()) != SQLITE_OK) {
            return Status::error(ErrorCode::io,
                                 "journal " + what + ": prepare rollups: " + write_db.message(),
                                 false);
        }
    }
    for (const auto& s : specs) {
        if (s.stmt->prepare(write_db.get(), s.sql) != SQLITE_OK) {
            return Status::error(ErrorCode::io,
                                 "journal " + what + ": prepare statements: " + write_db.message(),
                                 false);
        }
    }
    for (const char* table : journal_tables()) {
        std::string name = table;
        if (name == "schema_migrations") continue;
        std::string sql = "DELETE FROM " + name + " WHERE rowid IN (SELECT rowid FROM " + name +
                          " WHERE ts_ms < ?1 ORDER BY ts_ms LIMIT ?2)";
        Statement stmt;
        if (stmt.prepare(write_db.get(), sql.c_str()) != SQLITE_OK) {
            return Status::error(ErrorCode::io,
                                 "journal " + what + ": prepare pruning: " + write_db.message(),
                                 false);
        }
        prune.emplace_back(name, std::move(stmt));
    }
    return Status::success();
}

// Returns SQLITE_DONE or the error code of the failed statement; rows counts what was written.
int Journal::Impl::write_entry(Entry& e, std::uint64_t& rows) {
    return std::visit(
        [&](auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, ReadingsEntry>) {
                for (const auto& r : v.rows) {
                    Statement& s = insert_reading;
                    s.bind(1, v.ts_ms);
                    s.bind(2, std::string_view(r.signal));
                    s.bind(3, r.value);
                    s.bind(4, std::string_view(r.source));
                    int rc = s.step();
                    s.reset();
                    if (rc != SQLITE_DONE) return rc;
                    ++rows;
                }
                return SQLITE_DONE;
            } else {
                Statement* s = nullptr;
                if constexpr (std::is_same_v<T, MinerStateEntry>) {
                    s = &insert_miner_state;
                    s->bind(1, v.ts_ms);
                    s->bind(2, std::string_view(v.miner_id));
                    s->bind(3, v.online);
                    s->bind(4, std::string_view(to_string(v.state)));
                    s->bind(5, v.hashrate_ths);
                    s->bind(6, v.power_w);
                    s->bind(7, v.frequency_mhz);
                    s->bind(8, v.core_voltage_mv);
                    s->bind(9, v.chip_temp_c);
                    s->bind(10, v.vr_temp_c);
                    s->bind(11, v.fan_rpm);
                } else if constexpr (std::is_same_v<T, DecisionEntry>) {
                    s = &insert_decision;
                    s->bind(1, v.ts_ms);
                    s->bind(2, static_cast<std::int64_t>(v.tick));
                    s->bind(3, std::string_view(v.decision.policy));
                    s->bind(4, v.decision.budget_w);
                    s->bind(5, v.decision.fail_safe);
                    s->bind(6, std::string_view(v.decision.reason));
                    s->bind(7, std::string_view(memory_json(v.decision.memory)));
                    s->bind(8, v.decision.hold);
                    s->bind(9, v.decision.shed);
                    s->bind(10, v.heat_floor_w);
                    s->bind(11, v.hash_value_per_h);
                    s->bind(12, v.heat_value_per_h);
                } else if constexpr (std::is_same_v<T, TargetEntry>) {
                    s = &insert_target;
                    s->bind(1, v.ts_ms);
                    s->bind(2, static_cast<std::int64_t>(v.tick));
                    s->bind(3, std::string_view(v.miner_id));
                    s->bind(4, v.target.run);
                    s->bind(5, v.target.power_w);
                    if (v.target.level) {
                        s->bind(6, static_cast<std::int64_t>(*v.target.level));
                    } else {
                        s->bind_null(6);
                    }
                    s->bind(7, v.target.frequency_mhz);
                    s->bind(8, v.target.core_voltage_mv);
                    s->bind(9, std::string_view(v.reason));
                } else if constexpr (std::is_same_v<T, ApplyResultEntry>) {
                    s = &update_result;
                    s->bind(1, std::string_view(v.result.ok() ? "ok" : "error"));
                    s->bind(2, std::string_view(to_string(v.result.code)));
                    s->bind(3, std::string_view(v.result.message));
                    s->bind(4, v.ts_ms);
                    s->bind(5, static_cast<std::int64_t>(v.tick));
                    s->bind(6, std::string_view(v.miner_id));
                } else {
                    s = &insert_event;
                    s->bind(1, v.ts_ms);
                    s->bind(2, std::string_view(to_string(v.severity)));
                    s->bind(3, std::string_view(v.code));
                    s->bind(4, std::string_view(v.subject));
                    s->bind(5, std::string_view(v.message));
                }
                int rc = s->step();
                s->reset();
                if (rc == SQLITE_DONE) ++rows;
                return rc;
            }
        },
        e);
}

// Folds the batch's readings and miner states into the minute and hour rollups, in the batch's
// transaction: the rollups never disagree with the committed raw rows.
int Journal::Impl::write_rollups(const std::vector<Entry>& batch) {
    AggMap<ReadingAgg> readings;
    AggMap<MinerAgg> miners;
    for (const auto& e : batch) {
        if (const auto* r = std::get_if<ReadingsEntry>(&e)) {
            const std::int64_t minute = floor_to(r->ts_ms, kMinuteMs);
            for (const auto& row : r->rows) {
                if (std::isnan(row.value)) continue;   // stored as NULL, not averaged
                readings[{row.signal, minute}].add(row.value);
            }
        } else if (const auto* m = std::get_if<MinerStateEntry>(&e)) {
            miners[{m->miner_id, floor_to(m->ts_ms, kMinuteMs)}].add(m->online, m->power_w,
                                                                     m->hashrate_ths);
        }
    }
    auto put_readings = [](Statement& s, const AggMap<ReadingAgg>& aggs) {
        for (const auto& [key, a] : aggs) {
            s.bind(1, key.second);
            s.bind(2, std::string_view(key.first));
            s.bind(3, a.n);
            s.bind(4, a.sum);
            s.bind(5, a.min);
            s.bind(6, a.max);
            s.bind(7, a.pos);
            s.bind(8, a.neg);
            int rc = s.step();
            s.reset();
            if (rc != SQLITE_DONE) return rc;
        }
        return SQLITE_DONE;
    };
    auto put_miners = [](Statement& s, const AggMap<MinerAgg>& aggs) {
        for (const auto& [key, a] : aggs) {
            s.bind(1, key.second);
            s.bind(2, std::string_view(key.first));
            s.bind(3, a.n);
            s.bind(4, a.online_n);
            s.bind(5, a.power_w.n);
            s.bind(6, a.power_w.sum);
            s.bind(7, a.power_w.min);
            s.bind(8, a.power_w.max);
            s.bind(9, a.hashrate_ths.n);
            s.bind(10, a.hashrate_ths.sum);
            s.bind(11, a.hashrate_ths.min);
            s.bind(12, a.hashrate_ths.max);
            int rc = s.step();
            s.reset();
            if (rc != SQLITE_DONE) return rc;
        }
        return SQLITE_DONE;
    };
    int rc = put_readings(upsert_readings_1m, readings);
    if (rc == SQLITE_DONE) rc = put_readings(upsert_readings_1h, coarsen(readings, kHourMs));
    if (rc == SQLITE_DONE) rc = put_miners(upsert_miners_1m, miners);
    if (rc == SQLITE_DONE) rc = put_miners(upsert_miners_1h, coarsen(miners, kHourMs));
    return rc;
}

std::int64_t Journal::Impl::raw_cutoff_ms() const {
    Duration keep = options.keep_raw;
    if (options.retention > Duration{0} && (keep <= Duration{0} || keep > options.retention))
        keep = options.retention;
    if (keep <= Duration{0}) return std::numeric_limits<std::int64_t>::min();
    return unix_ms(now() - keep);
}

namespace {
// Errors that concern one row: skip it and keep the batch.
bool row_error(int rc) {
    int primary = rc & 0xff;
    return primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH || primary == SQLITE_TOOBIG ||
           primary == SQLITE_RANGE;
}
}  // namespace

void Journal::Impl::write_batch(std::vector<Entry>& batch) {
    std::uint64_t total_rows = 0;
    for (const auto& e : batch) total_rows += rows_of(e);

    if (write_db.exec("BEGIN IMMEDIATE") != SQLITE_OK) {
        note_error("begin transaction", write_db.message());
        std::lock_guard lock(mutex);
        stats.rows_failed += total_rows;
        return;
    }
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
        note_error("write batch", write_db.message());
        write_db.exec("ROLLBACK");
        std::lock_guard lock(mutex);
        stats.rows_failed += total_rows;
        return;
    }
    if (int rc = write_rollups(batch); rc != SQLITE_DONE) {
        note_error("write rollups", write_db.message());
        write_db.exec("ROLLBACK");
        std::lock_guard lock(mutex);
        stats.rows_failed += total_rows;
        return;
    }
    if (write_db.exec("COMMIT") != SQLITE_OK) {
        note_error("commit", write_db.message());
        write_db.exec("ROLLBACK");
        std::lock_guard lock(mutex);
        stats.rows_failed += total_rows;
        return;
    }
    note_ok();
    std::lock_guard lock(mutex);
    stats.rows_written += written;
    stats.rows_failed += skipped;
    stats.commits += 1;
    stats.last_commit = WallClock::now();
}

void Journal::Impl::maintain() {
    auto steady_now = std::chrono::steady_clock::now();
    if (!pruning && steady_now >= next_retention) {
        pruning = true;
        prune_table = 0;
        next_retention = steady_now + options.retention_interval;
    }
    if (pruning && options.retention <= Duration{0} && options.keep_raw <= Duration{0})
        pruning = false;   // keep forever
    if (pruning) {
        const std::int64_t cutoff_ms = options.retention > Duration{0}
                                           ? unix_ms(now() - options.retention)
                                           : std::numeric_limits<std::int64_t>::min();
        const std::int64_t raw_cutoff = std::max(cutoff_ms, raw_cutoff_ms());
        auto deadline = steady_now + kPruneBudget;
        while (prune_table < prune.size() && std::chrono::steady_clock::now() < deadline) {
            Statement& s = prune[prune_table].second;
            s.bind(1, is_raw_table(prune[prune_table].first) ? raw_cutoff : cutoff_ms);
            s.bind(2, static_cast<std::int64_t>(kPruneBatchRows));
            int rc = s.step();   // autocommit: each batch is its own short transaction
            s.reset();
            if (rc != SQLITE_DONE) {
                note_error("prune " + prune[prune_table].first, write_db.message());
                pruning = false;
                break;
            }
            if (sqlite3_changes(write_db.get()) < kPruneBatchRows) ++prune_table;
        }
        if (prune_table >= prune.size()) pruning = false;
    }
    if (steady_now >= next_checkpoint) {
        next_checkpoint = steady_now + options.checkpoint_interval;
        int rc = sqlite3_wal_checkpoint_v2(write_db.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                           nullptr, nullptr);
        if (rc != SQLITE_OK && rc != SQLITE_BUSY) note_error("checkpoint", write_db.message());
    }
}

void Journal::Impl::run() noexcept {
    auto next_commit = std::chrono::steady_clock::now() + options.commit_interval;
    for (;;) {
        std::vector<Entry> batch;
        std::uint64_t serving = 0;
        bool stopping = false;
        {
            std::unique_lock lock(mutex);
            wake_writer.wait_until(lock, next_commit, [&] {
                return stop || flush_requests > flushes_served ||
                       queued_rows >= options.batch_rows;
            });
            batch.swap(queue);
            queued_rows = 0;
            queued_bytes = 0;
            serving = flush_requests;
            stopping = stop;
        }
        next_commit = std::chrono::steady_clock::now() + options.commit_interval;
        try {
            if (!batch.empty()) write_batch(batch);
            batch.clear();
            maintain();
        } catch (const std::exception& e) {
            note_error("write", e.what());
        } catch (...) {
            note_error("write", "unexpected error");
        }
        {
            std::lock_guard lock(mutex);
            flushes_served = serving;
            if (stopping && queue.empty()) {
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

    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->options.batch_rows = std::max<std::size_t>(1, options.batch_rows);
    impl->what = options.path;
    Database& db = impl->write_db;
    if (db.open(options.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX) !=
        SQLITE_OK) {
        return fail("open database", db.message());
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
    impl->read_only = db.read_only();

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
        return std::move(e);
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

Stats Journal::stats() const {
    std::lock_guard lock(impl_->mutex);
    Stats s = impl_->stats;
    s.queue_depth = impl_->queued_rows;
    s.queue_bytes = impl_->queued_bytes;
    return s;
}

namespace {
template <class Row, class Fill>
std::vector<Row> query_rows(Journal::Impl& impl, const char* sql, std::size_t limit, Fill fill) {
    std::vector<Row> out;
    std::lock_guard lock(impl.read_mutex);
    Statement s;
    if (s.prepare(impl.read_db.get(), sql) != SQLITE_OK) {
        impl.note_error("read", impl.read_db.message(), false);
        return out;
    }
    s.bind(1, static_cast<std::int64_t>(std::min<std::size_t>(limit, 1'000'000)));
    int rc = SQLITE_ROW;
    while ((rc = s.step()) == SQLITE_ROW) out.push_back(fill(s));
    if (rc != SQLITE_DONE) impl.note_error("read", impl.read_db.message(), false);
    return out;
}
}  // namespace

std::vector<EventRow> Journal::recent_events(std::size_t limit) {
    try {
        return query_rows<EventRow>(
            *impl_,
            "SELECT ts_ms, severity, code, subject, message, rowid FROM events "
            "ORDER BY ts_ms DESC, rowid DESC LIMIT ?1",
            limit, [](const Statement& s) {
                return EventRow{s.column_int(0),
                                parse_severity(s.column_text(1)).value_or(Severity::info),
                                s.column_text(2), s.column_text(3), s.column_text(4),
                                s.column_int(5)};
            });
    } catch (...) {
        return {};
    }
}

std::vector<EventRow> Journal::events_after(std::int64_t after_id, std::size_t limit) {
    try {
        std::vector<EventRow> out;
        std::lock_guard lock(impl_->read_mutex);
        Statement s;
        if (s.prepare(impl_->read_db.get(),
                      "SELECT ts_ms, severity, code, subject, message, rowid FROM events "
                      "WHERE rowid > ?1 ORDER BY rowid LIMIT ?2") != SQLITE_OK) {
            impl_->note_error("read", impl_->read_db.message(), false);
            return out;
        }
        s.bind(1, after_id);
        s.bind(2, static_cast<std::int64_t>(std::min<std::size_t>(limit, 10'000)));
        int rc = SQLITE_ROW;
        while ((rc = s.step()) == SQLITE_ROW)
            out.push_back(EventRow{s.column_int(0),
                                   parse_severity(s.column_text(1)).value_or(Severity::info),
                                   s.column_text(2), s.column_text(3), s.column_text(4),
                                   s.column_int(5)});
        if (rc != SQLITE_DONE) impl_->note_error("read", impl_->read_db.message(), false);
        return out;
    } catch (...) {
        return {};
    }
}

namespace {

constexpr const char* kHistorySignals =
    "signal IN ('pv.ac_power_w', 'grid.power_w', 'battery.power_w', 'genset.power_w', "
    "'price.import_per_kwh', 'price.hashprice_per_th_day')";

// Columns: bucket, signal, mean, mean of max(v, 0), mean of max(-v, 0), min, max.
std::string history_readings_sql(Resolution r) {
    if (r == Resolution::raw) {
        return std::string(
                   "SELECT (ts_ms / ?3) * ?3 AS b, signal, AVG(value), AVG(MAX(value, 0)), "
                   "AVG(MAX(-value, 0)), MIN(value), MAX(value) FROM readings "
                   "WHERE ts_ms >= ?1 AND ts_ms < ?2 AND ") +
               kHistorySignals + " AND value IS NOT NULL GROUP BY b, signal";
    }
    return std::string("SELECT (ts_ms / ?3) * ?3 AS b, signal, SUM(sum_value) / SUM(n), "
                       "SUM(sum_pos) / SUM(n), SUM(sum_neg) / SUM(n), MIN(min_value), "
                       "MAX(max_value) FROM ") +
           (r == Resolution::hour ? "readings_1h" : "readings_1m") +
           " WHERE ts_ms >= ?1 AND ts_ms < ?2 AND " + kHistorySignals + " GROUP BY b, signal";
}

// Columns: bucket, sum over miners of each one's mean power, the same for hashrate.
std::string history_miners_sql(Resolution r) {
    if (r == Resolution::raw) {
        return "SELECT b, SUM(p), SUM(h) FROM (SELECT (ts_ms / ?3) * ?3 AS b, miner_id, "
               "AVG(CASE WHEN online THEN power_w ELSE 0 END) AS p, "
               "AVG(CASE WHEN online THEN hashrate_ths ELSE 0 END) AS h FROM miner_states "
               "WHERE ts_ms >= ?1 AND ts_ms < ?2 GROUP BY b, miner_id) GROUP BY b";
    }
    return std::string("SELECT b, SUM(p), SUM(h) FROM (SELECT (ts_ms / ?3) * ?3 AS b, miner_id, "
                       "SUM(sum_power_w) / NULLIF(SUM(n_power), 0) AS p, "
                       "SUM(sum_hashrate_ths) / NULLIF(SUM(n_hashrate), 0) AS h FROM ") +
           (r == Resolution::hour ? "miner_states_1h" : "miner_states_1m") +
           " WHERE ts_ms >= ?1 AND ts_ms < ?2 GROUP BY b, miner_id) GROUP BY b";
}

}  // namespace

HistoryQuery Journal::plan_history(std::int64_t from_ms, std::int64_t to_ms,
                                   std::int64_t max_points) const {
    HistoryQuery q;
    q.from_ms = from_ms;
    q.to_ms = to_ms;
    const std::int64_t span = std::max<std::int64_t>(1, to_ms - from_ms);
    const bool raw_pruned = from_ms < impl_->raw_cutoff_ms();
    const auto& buckets = history_buckets_ms();
    q.bucket_ms = buckets.back();
    for (std::int64_t b : buckets) {
        if (raw_pruned && b < kMinuteMs) continue;
        if ((span + b - 1) / b <= std::max<std::int64_t>(1, max_points)) {
            q.bucket_ms = b;
            break;
        }
    }
    q.resolution = resolution_for_bucket(q.bucket_ms);
    return q;
}

namespace {

// Where a checked history query reads: its resolution and its start, widened to a whole rollup
// period. An invalid query is refused with what is wrong.
struct HistoryPlan {
    Resolution resolution = Resolution::raw;
    std::int64_t from_ms = 0;
};

Result<HistoryPlan> check_history(const HistoryQuery& q, const std::string& what) {
    auto bad = [&](const std::string& why) {
        return Status::error(ErrorCode::invalid, "journal " + what + ": history: " + why, false);
    };
    if (q.bucket_ms < 1000) return bad("bucket must be at least 1 s");
    if (q.to_ms <= q.from_ms) return bad("the range is empty (to must be after from)");
    if ((q.to_ms - q.from_ms) / q.bucket_ms > 100'000)
        return bad("more than 100000 buckets; use a larger bucket");
    HistoryPlan plan;
    plan.resolution = q.resolution == Resolution::automatic ? resolution_for_bucket(q.bucket_ms)
                                                            : q.resolution;
    plan.from_ms = q.from_ms;
    if (plan.resolution != Resolution::raw) {
        const std::int64_t period = plan.resolution == Resolution::hour ? kHourMs : kMinuteMs;
        if (q.bucket_ms % period != 0) {
            return bad("bucket must be a multiple of the " +
                       std::string(to_string(plan.resolution)) + " rollup");
        }
        plan.from_ms = floor_to(plan.from_ms, period);
    }
    return plan;
}

// Columns: bucket, mean, min, max of one signal (?4).
std::string signal_history_sql(Resolution r) {
    if (r == Resolution::raw) {
        return "SELECT (ts_ms / ?3) * ?3 AS b, AVG(value), MIN(value), MAX(value) FROM readings "
               "WHERE signal = ?4 AND ts_ms >= ?1 AND ts_ms < ?2 AND value IS NOT NULL "
               "GROUP BY b ORDER BY b";
    }
    return std::string("SELECT (ts_ms / ?3) * ?3 AS b, SUM(sum_value) / SUM(n), MIN(min_value), "
                       "MAX(max_value) FROM ") +
           (r == Resolution::hour ? "readings_1h" : "readings_1m") +
           " WHERE signal = ?4 AND ts_ms >= ?1 AND ts_ms < ?2 GROUP BY b ORDER BY b";
}

}  // namespace

Result<std::vector<HistoryRow>> Journal::history(const HistoryQuery& q) {
    auto plan = check_history(q, impl_->what);
    if (!plan) return plan.error();
    const Resolution resolution = plan->resolution;
    const std::int64_t from_ms = plan->from_ms;
    // Buckets are aligned on the bucket size, so the same range gives the same rows.
    const std::string readings_sql = history_readings_sql(resolution);
    const std::string miners_sql = history_miners_sql(resolution);
    try {
        std::map<std::int64_t, HistoryRow> rows;
        auto row = [&](std::int64_t b) -> HistoryRow& {
            auto& r = rows[b];
            r.ts_ms = b;
            return r;
        };
        auto opt = [](const Statement& s, int i) -> std::optional<double> {
            if (sqlite3_column_type(s.get(), i) == SQLITE_NULL) return std::nullopt;
            return s.column_double(i);
        };
        std::lock_guard lock(impl_->read_mutex);
        for (const std::string* sql : {&readings_sql, &miners_sql}) {
            const bool miners = sql == &miners_sql;
            Statement s;
            if (s.prepare(impl_->read_db.get(), sql->c_str()) != SQLITE_OK) {
                impl_->note_error("read", impl_->read_db.message(), false);
                return Status::error(ErrorCode::io, "journal " + impl_->what + ": history: " +
                                                        impl_->read_db.message(), true);
            }
            s.bind(1, from_ms);
            s.bind(2, q.to_ms);
            s.bind(3, q.bucket_ms);
            int rc = SQLITE_ROW;
            while ((rc = s.step()) == SQLITE_ROW) {
                HistoryRow& r = row(s.column_int(0));
                if (miners) {
                    r.miners_w = opt(s, 1);
                    r.hashrate_ths = opt(s, 2);
                    continue;
                }
                const std::string signal = s.column_text(1);
                auto v = opt(s, 2);
                if (signal == "pv.ac_power_w") r.pv_w = v;
                else if (signal == "grid.power_w") {
                    r.grid_w = v;
                    r.import_w = opt(s, 3);
                    r.export_w = opt(s, 4);
                    r.grid_min_w = opt(s, 5);
                    r.grid_max_w = opt(s, 6);
                } else if (signal == "battery.power_w") r.battery_w = v;
                else if (signal == "genset.power_w") r.generator_w = v;
                else if (signal == "price.import_per_kwh") r.price_import_per_kwh = v;
                else if (signal == "price.hashprice_per_th_day") r.hashprice_per_th_day = v;
            }
            if (rc != SQLITE_DONE) {
                impl_->note_error("read", impl_->read_db.message(), false);
                return Status::error(ErrorCode::io, "journal " + impl_->what + ": history: " +
                                                        impl_->read_db.message(), true);
            }
        }
        std::vector<HistoryRow> out;
        out.reserve(rows.size());
        for (auto& [_, r] : rows) out.push_back(std::move(r));
        return out;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::io, "journal " + impl_->what + ": history: " + e.what(),
                             true);
    }
}

Result<std::vector<SignalBucket>> Journal::signal_history(std::string_view signal,
                                                          const HistoryQuery& q) {
    auto plan = check_history(q, impl_->what);
    if (!plan) return plan.error();
    auto failed = [&] {
        impl_->note_error("read", impl_->read_db.message(), false);
        return Status::error(ErrorCode::io, "journal " + impl_->what + ": history of " +
                                                std::string(signal) + ": " +
                                                impl_->read_db.message(), true);
    };
    try {
        std::lock_guard lock(impl_->read_mutex);
        Statement s;
        if (s.prepare(impl_->read_db.get(), signal_history_sql(plan->resolution).c_str()) !=
            SQLITE_OK)
            return failed();
        s.bind(1, plan->from_ms);
        s.bind(2, q.to_ms);
        s.bind(3, q.bucket_ms);
        s.bind(4, signal);
        std::vector<SignalBucket> out;
        int rc = SQLITE_ROW;
        while ((rc = s.step()) == SQLITE_ROW)
            out.push_back({s.column_int(0), s.column_double(1), s.column_double(2),
                           s.column_double(3)});
        if (rc != SQLITE_DONE) return failed();
        return out;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::io, "journal " + impl_->what + ": history: " + e.what(),
                             true);
    }
}

std::vector<DecisionRow> Journal::recent_decisions(std::size_t limit) {
    try {
        return query_rows<DecisionRow>(
            *impl_,
            "SELECT ts_ms, tick, policy, budget_w, fail_safe, hold, shed, reason, memory_json, "
            "heat_floor_w, hash_value_per_h, heat_value_per_h "
            "FROM decisions ORDER BY ts_ms DESC, rowid DESC LIMIT ?1",
            limit, [](const Statement& s) {
                DecisionRow row;
                row.ts_ms = s.column_int(0);
                row.tick = static_cast<std::uint64_t>(s.column_int(1));
                row.policy = s.column_text(2);
                row.budget_w = s.column_double(3);
                row.fail_safe = s.column_int(4) != 0;
                row.hold = s.column_int(5) != 0;
                row.shed = s.column_int(6) != 0;
                row.reason = s.column_text(7);
                row.memory_json = s.column_text(8);
                row.heat_floor_w = s.column_optional_double(9);
                row.hash_value_per_h = s.column_optional_double(10);
                row.heat_value_per_h = s.column_optional_double(11);
                return row;
            });
    } catch (...) {
        return {};
    }
}

Result<std::int64_t> Journal::count(std::string_view table) {
    const auto& tables = journal_tables();
    auto it = std::find_if(tables.begin(), tables.end(),
                           [&](const char* t) { return table == t; });
    if (it == tables.end()) {
        return Status::error(ErrorCode::invalid,
                             "journal " + impl_->what + ": count " + std::string(table) +
                                 ": not a journal table",
                             false);
    }
    std::string sql = std::string("SELECT COUNT(*) FROM ") + *it;
    std::lock_guard lock(impl_->read_mutex);
    auto n = impl_->read_db.query_int(sql.c_str());
    if (!n) {
        return Status::error(ErrorCode::io,
                             "journal " + impl_->what + ": count " + *it + ": " +
                                 impl_->read_db.message(),
                             true);
    }
    return *n;
}

}  // namespace hashsink::journal
