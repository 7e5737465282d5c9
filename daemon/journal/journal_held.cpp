// History from the raw rows read as sample-and-hold: each row's value holds until the next row
// of its series (when that is at most hold_ms later: the heartbeat and a gap), and a bucket's
// mean weighs each value by the time it held there. Rows written on change and rows written
// every 1 s tick give the same chart within the deadband; on evenly spaced 1 s rows this is the
// plain average.
#include "daemon/journal/journal_held.hpp"

#include <algorithm>
#include <cmath>

namespace hashsink::journal {

void HeldAgg::add(double v, std::int64_t ms) {
    const double w = static_cast<double>(ms);
    min = weight_ms == 0 ? v : std::min(min, v);
    max = weight_ms == 0 ? v : std::max(max, v);
    weight_ms += w;
    sum += v * w;
    pos += std::max(v, 0.0) * w;
    neg += std::max(-v, 0.0) * w;
}

void fold_held(const std::vector<HeldRow>& rows, const HeldWindow& w,
               std::map<std::int64_t, HeldAgg>& out) {
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::int64_t ts = rows[i].ts_ms;
        std::int64_t end = ts + kShortHoldMs;
        if (i + 1 < rows.size()) {
            if (rows[i + 1].ts_ms - ts <= w.hold_ms) end = rows[i + 1].ts_ms;
        } else {
            end = std::max(end, std::min(ts + w.hold_ms, w.newest_ms));
        }
        end = std::min(end, w.to_ms);
        std::int64_t t = std::max(rows[i].ts_ms, w.from_ms);
        while (t < end) {
            const std::int64_t bucket = floor_to(t, w.bucket_ms);
            const std::int64_t until = std::min(end, bucket + w.bucket_ms);
            out[bucket].add(rows[i].value, until - t);
            t = until;
        }
    }
}

Result<std::map<std::string, std::vector<HeldRow>>> read_series(Database& db, const char* sql,
                                                                std::int64_t from_ms,
                                                                std::int64_t to_ms,
                                                                std::string_view signal,
                                                                int value_column) {
    Statement s;
    if (s.prepare(db.get(), sql) != SQLITE_OK)
        return Status::error(ErrorCode::io, db.message(), true);
    s.bind(1, from_ms);
    s.bind(2, to_ms);
    if (!signal.empty()) s.bind(3, signal);
    std::map<std::string, std::vector<HeldRow>> out;
    int rc = SQLITE_ROW;
    while ((rc = s.step()) == SQLITE_ROW) {
        if (auto v = s.column_optional_double(value_column))
            out[s.column_text(0)].push_back({s.column_int(1), *v});
    }
    if (rc != SQLITE_DONE) return Status::error(ErrorCode::io, db.message(), true);
    return out;
}

namespace {

// The window with the newest row of `table` (0 when it has none).
HeldWindow with_newest(Database& db, HeldWindow w, const char* table) {
    w.newest_ms =
        db.query_int((std::string("SELECT COALESCE(MAX(ts_ms), 0) FROM ") + table).c_str())
            .value_or(0);
    return w;
}

std::map<std::int64_t, HeldAgg> folded(const std::vector<HeldRow>& rows, const HeldWindow& w) {
    std::map<std::int64_t, HeldAgg> out;
    fold_held(rows, w, out);
    return out;
}

}  // namespace

Result<std::vector<HistoryRow>> held_history(Database& db, const HeldWindow& w) {
    const std::int64_t since = w.from_ms - w.hold_ms;
    auto signals = read_series(
        db,
        "SELECT signal, ts_ms, value FROM readings WHERE ts_ms >= ?1 AND ts_ms < ?2 AND signal IN "
        "('pv.ac_power_w', 'grid.power_w', 'battery.power_w', 'genset.power_w', "
        "'price.import_per_kwh', 'price.hashprice_per_th_day') ORDER BY signal, ts_ms",
        since, w.to_ms + w.hold_ms, {}, 2);
    if (!signals) return signals.error();
    std::map<std::int64_t, HistoryRow> rows;
    auto row = [&](std::int64_t b) -> HistoryRow& {
        HistoryRow& r = rows[b];
        r.ts_ms = b;
        return r;
    };
    const HeldWindow readings_window = with_newest(db, w, "readings");
    for (const auto& [signal, series] : *signals) {
        for (const auto& [b, a] : folded(series, readings_window)) {
            HistoryRow& r = row(b);
            if (signal == "pv.ac_power_w")
                r.pv_w = a.mean();
            else if (signal == "grid.power_w") {
                r.grid_w = a.mean();
                r.import_w = a.pos / a.weight_ms;
                r.export_w = a.neg / a.weight_ms;
                r.grid_min_w = a.min;
                r.grid_max_w = a.max;
            } else if (signal == "battery.power_w")
                r.battery_w = a.mean();
            else if (signal == "genset.power_w")
                r.generator_w = a.mean();
            else if (signal == "price.import_per_kwh")
                r.price_import_per_kwh = a.mean();
            else if (signal == "price.hashprice_per_th_day")
                r.hashprice_per_th_day = a.mean();
        }
    }
    // The fleet: the sum over miners of each one's held mean (an offline poll counts as 0).
    const HeldWindow miners_window = with_newest(db, w, "miner_states");
    for (int column : {2, 3}) {
        auto miners =
            read_series(db,
                        "SELECT miner_id, ts_ms, CASE WHEN online THEN power_w ELSE 0 END, "
                        "CASE WHEN online THEN hashrate_ths ELSE 0 END FROM miner_states "
                        "WHERE ts_ms >= ?1 AND ts_ms < ?2 ORDER BY miner_id, ts_ms",
                        since, w.to_ms + w.hold_ms, {}, column);
        if (!miners) return miners.error();
        for (const auto& [miner, series] : *miners) {
            for (const auto& [b, a] : folded(series, miners_window)) {
                std::optional<double>& sum = column == 2 ? row(b).miners_w : row(b).hashrate_ths;
                sum = sum.value_or(0) + a.mean();
            }
        }
    }
    std::vector<HistoryRow> out;
    out.reserve(rows.size());
    for (auto& [_, r] : rows) out.push_back(std::move(r));
    return out;
}

Result<std::vector<SignalBucket>> held_signal_history(Database& db, std::string_view signal,
                                                      const HeldWindow& w) {
    auto series = read_series(db,
                              "SELECT signal, ts_ms, value FROM readings WHERE ts_ms >= ?1 AND "
                              "ts_ms < ?2 AND signal = ?3 ORDER BY ts_ms",
                              w.from_ms - w.hold_ms, w.to_ms + w.hold_ms, signal, 2);
    if (!series) return series.error();
    std::vector<SignalBucket> out;
    for (const auto& [_, rows] : *series)
        for (const auto& [b, a] : folded(rows, with_newest(db, w, "readings")))
            out.push_back({b, a.mean(), a.min, a.max});
    return out;
}

}  // namespace hashsink::journal
