// The per-minute and per-hour rollups: each batch's readings and miner states folded in, in
// the batch's transaction.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "daemon/journal/journal_impl.hpp"

namespace hashsink::journal {

namespace {

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
    return Status::success();
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
            s.bind_all(key.second, std::string_view(key.first), a.n, a.sum, a.min, a.max, a.pos,
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
