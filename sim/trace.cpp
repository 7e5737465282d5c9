#include "sim/trace.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace hashsink::sim {
namespace {

constexpr std::string_view kNames[kColumnCount] = {
    "pv_ac_w", "pv_dc_w", "inverter_ac_max_w", "house_load_w", "export_limit_w",
    "battery_soc_pct", "price_per_kwh", "feed_in_per_kwh", "hashprice_per_th_day",
    "genset_capacity_w", "genset_frequency_hz", "ghi_w_m2",
    "indoor_temp_c", "outdoor_temp_c", "heat_demand_w",
};

// Plausible range of a column's values, where one exists: a temperature of 500 °C is a unit
// or column mix-up, not weather.
struct Bounds {
    double min, max;
    const char* what;
};
std::optional<Bounds> bounds_of(Column c) {
    switch (c) {
        case Column::indoor_temp_c:
        case Column::outdoor_temp_c: return Bounds{-90, 60, "between -90 and 60 °C"};
        case Column::heat_demand_w: return Bounds{0, 1e7, "between 0 and 10 MW"};
        default: return std::nullopt;
    }
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '"'))
        s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == ',') {
            out.push_back(trim(line.substr(start, i - start)));
            start = i + 1;
        }
    }
    return out;
}

std::optional<double> parse_number(std::string_view s) {
    if (s.empty() || s.size() > 64) return std::nullopt;
    std::string buf(s);
    char* end = nullptr;
    double v = std::strtod(buf.c_str(), &end);
    if (end != buf.c_str() + buf.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
long days_from_civil(long y, unsigned m, unsigned d) {
    y -= m <= 2;
    const long era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<long>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        out = out * 10 + (s[i] - '0');
    }
    return true;
}

std::string fmt_s(double s) {
    std::ostringstream o;
    o << s << " s";
    return o.str();
}

}  // namespace

std::string_view column_name(Column c) { return kNames[static_cast<std::size_t>(c)]; }

bool is_slot_column(Column c) {
    return c == Column::price_per_kwh || c == Column::feed_in_per_kwh ||
           c == Column::hashprice_per_th_day || c == Column::export_limit_w;
}

std::optional<double> parse_time_s(std::string_view s) {
    s = trim(s);
    if (s.empty()) return std::nullopt;
    if (s.find('-', 1) == std::string_view::npos && s.find(':') == std::string_view::npos)
        return parse_number(s);   // Unix seconds
    int y, mo, d, h = 0, mi = 0, sec = 0;
    if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
        !digits(s, 8, 2, d))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
    std::size_t p = 10;
    double frac = 0;
    if (p < s.size() && (s[p] == 'T' || s[p] == ' ')) {
        if (!digits(s, p + 1, 2, h) || p + 3 >= s.size() || s[p + 3] != ':' ||
            !digits(s, p + 4, 2, mi))
            return std::nullopt;
        p += 6;
        if (p < s.size() && s[p] == ':') {
            if (!digits(s, p + 1, 2, sec)) return std::nullopt;
            p += 3;
            if (p < s.size() && s[p] == '.') {
                std::size_t q = p + 1;
                double scale = 0.1;
                while (q < s.size() && s[q] >= '0' && s[q] <= '9') {
                    frac += (s[q] - '0') * scale;
                    scale /= 10;
                    ++q;
                }
                p = q;
            }
        }
    }
    if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
    long offset_s = 0;
    if (p < s.size()) {
        if (s[p] == 'Z' && p + 1 == s.size()) {
            // UTC
        } else if (s[p] == '+' || s[p] == '-') {
            int oh, om = 0;
            if (!digits(s, p + 1, 2, oh)) return std::nullopt;
            std::size_t q = p + 3;
            if (q < s.size() && s[q] == ':') ++q;
            if (q < s.size()) {
                if (!digits(s, q, 2, om) || q + 2 != s.size()) return std::nullopt;
            }
            offset_s = (oh * 3600L + om * 60L) * (s[p] == '-' ? -1 : 1);
        } else {
            return std::nullopt;
        }
    }
    double t = static_cast<double>(days_from_civil(y, mo, d)) * 86400.0 + h * 3600.0 + mi * 60.0 + sec;
    return t + frac - static_cast<double>(offset_s);
}

double Trace::at(Column c, double t, double fallback) const {
    const auto& v = columns[static_cast<std::size_t>(c)];
    if (v.empty()) return fallback;
    if (t <= time_s.front()) return v.front();
    if (t >= time_s.back()) return v.back();
    auto it = std::upper_bound(time_s.begin(), time_s.end(), t);
    std::size_t i = static_cast<std::size_t>(it - time_s.begin());   // time_s[i-1] <= t < time_s[i]
    if (is_slot_column(c)) return v[i - 1];
    double t0 = time_s[i - 1], t1 = time_s[i];
    double w = (t - t0) / (t1 - t0);
    return v[i - 1] + (v[i] - v[i - 1]) * w;
}

Result<Trace> parse_trace(std::string_view text, const std::string& name) {
    auto fail = [&](int line, const std::string& cause) -> Status {
        return Status::error(ErrorCode::invalid, "trace " + name + ":" + std::to_string(line) + ": " + cause,
                             false);
    };
    Trace trace;
    trace.name = name;
    std::vector<std::string_view> lines;
    {
        std::size_t start = 0;
        for (std::size_t i = 0; i <= text.size(); ++i) {
            if (i == text.size() || text[i] == '\n') {
                lines.push_back(text.substr(start, i - start));
                start = i + 1;
            }
        }
    }
    // Skip leading comment lines ("# source: ...").
    std::size_t header = 0;
    while (header < lines.size() && (trim(lines[header]).empty() || trim(lines[header])[0] == '#'))
        ++header;
    if (header >= lines.size()) return fail(1, "empty trace: expected a header line with a time column");
    auto names = split(lines[header]);
    const int header_line = static_cast<int>(header) + 1;
    int time_col = -1;
    std::vector<int> col_of(names.size(), -1);
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i] == "time") {
            if (time_col >= 0) return fail(header_line, "column 'time' appears twice");
            time_col = static_cast<int>(i);
            continue;
        }
        bool found = false;
        for (std::size_t c = 0; c < kColumnCount; ++c) {
            if (names[i] != kNames[c]) continue;
            for (std::size_t j = 0; j < i; ++j)
                if (col_of[j] == static_cast<int>(c))
                    return fail(header_line, "column '" + std::string(names[i]) + "' appears twice");
            col_of[i] = static_cast<int>(c);
            found = true;
        }
        if (!found) {
            std::string known = "time";
            for (auto k : kNames) known += ", " + std::string(k);
            return fail(header_line, "unknown column '" + std::string(names[i]) + "' (known: " + known + ")");
        }
    }
    if (time_col < 0) return fail(header_line, "missing the required 'time' column");
    for (std::size_t i = 0; i < names.size(); ++i)
        if (col_of[i] >= 0) trace.columns[static_cast<std::size_t>(col_of[i])].reserve(lines.size());

    std::vector<int> line_of;
    for (std::size_t li = header + 1; li < lines.size(); ++li) {
        std::string_view raw = trim(lines[li]);
        if (raw.empty() || raw[0] == '#') continue;
        const int line = static_cast<int>(li) + 1;
        auto cells = split(lines[li]);
        if (cells.size() != names.size())
            return fail(line, "expected " + std::to_string(names.size()) + " values, got " +
                                  std::to_string(cells.size()));
        auto t = parse_time_s(cells[static_cast<std::size_t>(time_col)]);
        if (!t) return fail(line, "time: cannot read '" + std::string(cells[static_cast<std::size_t>(time_col)]) +
                                      "' (ISO 8601 such as 2026-06-14T10:00:00Z, or Unix seconds)");
        if (!trace.time_s.empty() && *t <= trace.time_s.back())
            return fail(line, *t == trace.time_s.back()
                                  ? "time repeats the previous row's (rows must be strictly ascending)"
                                  : "time goes backwards (rows must be sorted by time)");
        trace.time_s.push_back(*t);
        line_of.push_back(line);
        for (std::size_t i = 0; i < cells.size(); ++i) {
            if (col_of[i] < 0) continue;
            auto v = parse_number(cells[i]);
            if (!v)
                return fail(line, std::string(names[i]) + ": not a number: '" + std::string(cells[i]) + "'");
            const auto column = static_cast<Column>(col_of[i]);
            if (auto b = bounds_of(column); b && (*v < b->min || *v > b->max))
                return fail(line, std::string(names[i]) + ": " + std::string(cells[i]) +
                                      " is out of range (must be " + b->what + ")");
            trace.columns[static_cast<std::size_t>(col_of[i])].push_back(*v);
        }
    }
    if (trace.time_s.size() < 2) return fail(static_cast<int>(lines.size()), "a trace needs at least two rows");

    // Gaps: a step much longer than the trace's usual one means missing data, which
    // interpolation would silently invent.
    std::vector<double> steps;
    for (std::size_t i = 1; i < trace.time_s.size(); ++i) steps.push_back(trace.time_s[i] - trace.time_s[i - 1]);
    std::vector<double> sorted = steps;
    std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
    const double median = sorted[sorted.size() / 2];
    const double max_step = std::max(3 * median, median + 1);
    for (std::size_t i = 0; i < steps.size(); ++i)
        if (steps[i] > max_step)
            return fail(line_of[i + 1], "gap of " + fmt_s(steps[i]) + " after line " +
                                            std::to_string(line_of[i]) + " (rows are usually " +
                                            fmt_s(median) + " apart; fill or cut the gap)");
    return trace;
}

Result<Trace> load_trace(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Status::error(ErrorCode::io, "trace " + path + ": cannot open the file", false);
    std::ostringstream buf;
    buf << in.rdbuf();
    return parse_trace(buf.str(), path);
}

}  // namespace hashsink::sim
