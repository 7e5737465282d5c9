// Recording on change: which of a batch's samples become rows (change_filter.hpp has the rule).
// The rollups are folded from every sample, before this filter (journal_rollups.cpp).
#include <cctype>
#include <chrono>
#include <cmath>

#include "daemon/journal/journal_impl.hpp"

namespace hashsink::journal {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A signal's band, by the unit at the end of its name; none (any change) for the rest.
Deadband band_of(const RecordingOptions& o, std::string_view signal) {
    if (ends_with(signal, "_w")) return o.power;
    if (ends_with(signal, "_c")) return o.temperature;
    if (ends_with(signal, "_pct")) return o.percent;
    if (ends_with(signal, "_hz")) return o.frequency_hz;
    if (ends_with(signal, "_rpm")) return o.fan_rpm;
    if (ends_with(signal, "_ths")) return o.hashrate;
    return {};
}

bool moved(const Deadband& band, const std::optional<double>& last,
           const std::optional<double>& now) {
    if (last.has_value() != now.has_value()) return true;
    return last && band.exceeded(*last, *now);
}

// The reason's words without its numbers ("surplus 1234 W for 12 s" -> "surplus W for s"): a
// reason that only counts on is not a change.
std::string words_of(const std::string& reason) {
    std::string out;
    for (char c : reason)
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '+')
            out += c;
    return out;
}

std::int64_t ms_of(Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

ChangeFilters::ChangeFilters(const RecordingOptions& o)
    : options(o),
      readings(ms_of(o.heartbeat)),
      miners(ms_of(o.heartbeat)),
      decisions(ms_of(o.heartbeat)) {}

void ChangeFilters::reset() {
    readings.reset();
    miners.reset();
    decisions.reset();
}

std::vector<Entry> ChangeFilters::keep(const std::vector<Entry>& batch, bool closing) {
    std::vector<Entry> out;
    std::vector<ChangeFilter<ReadingRow>::Row> reading_rows;
    std::vector<ChangeFilter<MinerStateEntry>::Row> miner_rows;
    std::vector<ChangeFilter<DecisionEntry>::Row> decision_rows;
    const RecordingOptions& o = options;
    auto flush_readings = [&] {
        for (auto& r : reading_rows) out.push_back(ReadingsEntry{r.ts_ms, {std::move(r.sample)}});
        reading_rows.clear();
    };
    // A kept miner state or decision, at the time of the sample it keeps.
    auto move_out = [&](auto& rows) {
        for (auto& row : rows) {
            row.sample.ts_ms = row.ts_ms;
            out.push_back(std::move(row.sample));
        }
        rows.clear();
    };
    for (const auto& e : batch) {
        if (const auto* r = std::get_if<ReadingsEntry>(&e)) {
            for (const auto& row : r->rows) {
                const Deadband band = band_of(o, row.signal);
                readings.offer(
                    row.signal + '\n' + row.source, r->ts_ms, row,
                    [&](const ReadingRow& a, const ReadingRow& b) {
                        return band.exceeded(a.value, b.value);
                    },
                    reading_rows);
            }
            flush_readings();
        } else if (const auto* m = std::get_if<MinerStateEntry>(&e)) {
            miners.offer(
                m->miner_id, m->ts_ms, *m,
                [&](const MinerStateEntry& a, const MinerStateEntry& b) {
                    return a.online != b.online || a.state != b.state ||
                           moved(o.power, a.power_w, b.power_w) ||
                           moved(o.hashrate, a.hashrate_ths, b.hashrate_ths) ||
                           moved(o.temperature, a.chip_temp_c, b.chip_temp_c) ||
                           moved(o.temperature, a.vr_temp_c, b.vr_temp_c) ||
                           moved(o.fan_rpm, a.fan_rpm, b.fan_rpm) ||
                           moved({}, a.frequency_mhz, b.frequency_mhz) ||
                           moved({}, a.core_voltage_mv, b.core_voltage_mv);
                },
                miner_rows);
        } else if (const auto* d = std::get_if<DecisionEntry>(&e)) {
            decisions.offer(
                d->decision.policy, d->ts_ms, *d,
                [&](const DecisionEntry& a, const DecisionEntry& b) {
                    const Decision& x = a.decision;
                    const Decision& y = b.decision;
                    return x.fail_safe != y.fail_safe || x.hold != y.hold || x.shed != y.shed ||
                           x.emergency != y.emergency || o.power.exceeded(x.budget_w, y.budget_w) ||
                           moved(o.power, a.heat_floor_w, b.heat_floor_w) ||
                           moved({0, 0.05}, a.hash_value_per_h, b.hash_value_per_h) ||
                           moved({0, 0.05}, a.heat_value_per_h, b.heat_value_per_h) ||
                           words_of(x.reason) != words_of(y.reason);
                },
                decision_rows);
        } else {
            out.push_back(e);  // targets, apply results, events: every one
        }
        move_out(miner_rows);
        move_out(decision_rows);
    }
    if (closing) {
        readings.close_all(reading_rows);
        miners.close_all(miner_rows);
        decisions.close_all(decision_rows);
    }
    flush_readings();
    move_out(miner_rows);
    move_out(decision_rows);
    return out;
}

}  // namespace hashsink::journal
