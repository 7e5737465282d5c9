// The per-minute and per-hour rollups: each batch's readings and miner states folded in, in
// the batch's transaction.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "daemon/journal/journal_impl.hpp"

namespace hashsink::journal {

namespace {

template <class Agg>
AggMap<Agg> coarsen(const AggMap<Agg>& fine, std::int64_t period_ms) {
    AggMap<Agg> out;
    for (const auto& [key, agg] : fine) out[{key.first, floor_to(key.second, period_ms)}].merge(agg);
    return out;
}

std::string upsert_readings_sql(const char* table) {
    return std::string("INSERT INTO ") + table +
           "(ts_ms, signal, n, sum_value, min_value, max_value, sum_pos, sum_neg) "
           "VALUES(?1,?2,?3,?4,?5,?6,?7,?8) ON CONFLICT(ts_ms, signal) DO UPDATE SET "
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
           "ON CONFLICT(ts_ms, miner_id) DO UPDATE SET "
           "n = n + excluded.n, online_n = online_n + excluded.online_n, "
           "n_power = n_power + excluded.n_power, "
           "sum_power_w = sum_power_w + excluded.sum_power_w, " +
           lo("min_power_w") + ", " + hi("max_power_w") +
           ", n_hashrate = n_hashrate + excluded.n_hashrate, "
           "sum_hashrate_ths = sum_hashrate_ths + excluded.sum_hashrate_ths, " +
           lo("min_hashrate_ths") + ", " + hi("max_hashrate_ths");
}

}  // namespace

Status Journal::Impl::prepare_rollups() {
    const std::pair<Statement*, std::string> upserts[] = {
        {&upsert_readings_1m, upsert_readings_sql("reading_minutes")},
        {&upsert_readings_1h, upsert_readings_sql("reading_hours")},
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
    return Status::success();
}

// Folds a digested batch's readings and miner states into the minute rollups that wait for the
// next commit.
void Journal::Impl::fold_rollups(const std::vector<Entry>& batch) {
    for (const auto& e : batch) {
        if (const auto* r = std::get_if<ReadingsEntry>(&e)) {
            const std::int64_t minute = floor_to(r->ts_ms, kMinuteMs);
            for (const auto& row : r->rows) {
                if (std::isnan(row.value)) continue;   // stored as NULL, not averaged
                pending_readings[{row.signal, minute}].add(row.value);
            }
        } else if (const auto* m = std::get_if<MinerStateEntry>(&e)) {
            pending_miners[{m->miner_id, floor_to(m->ts_ms, kMinuteMs)}].add(m->online, m->power_w,
                                                                             m->hashrate_ths);
        }
    }
}

// Adds what waits to the minute and hour rollups, in the commit's transaction: the rollups
// never disagree with the committed raw rows.
int Journal::Impl::write_rollups(const AggMap<ReadingAgg>& readings,
                                 const AggMap<MinerAgg>& miners) {
    auto put_readings = [&](Statement& s, const AggMap<ReadingAgg>& aggs) {
        for (const auto& [key, a] : aggs) {
            const auto signal = name_id(key.first);
            if (const int* rc = std::get_if<int>(&signal)) return *rc;
            s.bind_all(key.second, std::get<std::int64_t>(signal), a.n, a.sum, a.min, a.max, a.pos,
                       a.neg);
            int rc = s.step();
            s.reset();
            if (rc != SQLITE_DONE) return rc;
        }
        return SQLITE_DONE;
    };
    auto put_miners = [](Statement& s, const AggMap<MinerAgg>& aggs) {
        for (const auto& [key, a] : aggs) {
            s.bind_all(key.second, std::string_view(key.first), a.n, a.online_n, a.power_w.n,
                       a.power_w.sum, a.power_w.min, a.power_w.max, a.hashrate_ths.n,
                       a.hashrate_ths.sum, a.hashrate_ths.min, a.hashrate_ths.max);
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

}  // namespace hashsink::journal
