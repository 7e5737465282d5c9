// A site's time series for `hashsink simulate`: CSV with a header, a `time` column (ISO 8601 or
// Unix seconds) and any of the known columns. Powers are interpolated linearly between rows;
// prices hold until the next row (they are slots).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/result.hpp"

namespace hashsink::sim {

enum class Column {
    pv_ac_w, pv_dc_w, inverter_ac_max_w, house_load_w, export_limit_w, battery_soc_pct,
    price_per_kwh, feed_in_per_kwh, hashprice_per_th_day, genset_capacity_w, genset_frequency_hz,
    ghi_w_m2,
    indoor_temp_c, outdoor_temp_c, heat_demand_w,   // heating (docs/simulator.md, "Heat")
};
inline constexpr std::size_t kColumnCount = 15;
std::string_view column_name(Column c);
bool is_slot_column(Column c);   // prices: a step function, not interpolated

struct Trace {
    std::string name;
    std::vector<double> time_s;                                 // Unix seconds, ascending
    std::array<std::vector<double>, kColumnCount> columns;      // empty when absent

    bool has(Column c) const { return !columns[static_cast<std::size_t>(c)].empty(); }
    // Value at time t (clamped to the trace's span); fallback when the column is absent.
    double at(Column c, double t_s, double fallback = 0) const;
    double start_s() const { return time_s.empty() ? 0 : time_s.front(); }
    double end_s() const { return time_s.empty() ? 0 : time_s.back(); }
};

// Errors read "trace NAME:LINE: cause".
Result<Trace> parse_trace(std::string_view text, const std::string& name);
Result<Trace> load_trace(const std::string& path);

// "2026-06-14T10:00:00Z", "2022-03-18 04:33:00-07:00", "2026-06-14T10:00Z", or Unix seconds
// ("1718359200"). No zone means UTC.
std::optional<double> parse_time_s(std::string_view text);

}  // namespace hashsink::sim
