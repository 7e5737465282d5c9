// The journal's readers: events, decisions, history from the raw rows (held between rows when
// recorded on change, journal_held.cpp) or the rollups, counts.
#include <algorithm>
#include <map>
#include <optional>

#include "daemon/journal/journal_held.hpp"
#include "daemon/journal/journal_impl.hpp"
#include "daemon/journal/schema.hpp"

namespace hashsink::journal {

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

// Raw history recorded on change: each row held until the next (journal_held.cpp).
Result<std::vector<HistoryRow>> held_history_of(Journal::Impl& impl, const HeldWindow& w) {
    try {
        std::lock_guard lock(impl.read_mutex);
        auto held = held_history(impl.read_db, w);
        if (held) return held;
        impl.note_error("read", held.error().message, false);
        return Status::error(ErrorCode::io,
                             "journal " + impl.what + ": history: " + held.error().message, true);
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::io, "journal " + impl.what + ": history: " + e.what(),
                             true);
    }
}

}  // namespace

Result<std::vector<HistoryRow>> Journal::history(const HistoryQuery& q) {
    auto plan = check_history(q, impl_->what);
    if (!plan) return plan.error();
    catch_up();
    const Resolution resolution = plan->resolution;
    const std::int64_t from_ms = plan->from_ms;
    if (resolution == Resolution::raw && impl_->hold_ms() > 0)
        return held_history_of(*impl_, {from_ms, q.to_ms, q.bucket_ms, impl_->hold_ms()});
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
    catch_up();
    auto failed = [&] {
        impl_->note_error("read", impl_->read_db.message(), false);
        return Status::error(ErrorCode::io, "journal " + impl_->what + ": history of " +
                                                std::string(signal) + ": " +
                                                impl_->read_db.message(), true);
    };
    try {
        std::lock_guard lock(impl_->read_mutex);
        if (plan->resolution == Resolution::raw && impl_->hold_ms() > 0) {
            auto held = held_signal_history(
                impl_->read_db, signal, {plan->from_ms, q.to_ms, q.bucket_ms, impl_->hold_ms()});
            return held ? held : failed();
        }
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
