// The journal's data: events, and the history as chart columns (site series or any signals)
// or as CSV.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "daemon/journal/journal.hpp"
#include "web/auth/auth.hpp"
#include "web/guarded_server.hpp"
#include "web/http_helpers.hpp"
#include "web/server.hpp"

namespace hashsink::web {
namespace {

using nlohmann::json;

constexpr std::int64_t kChartPoints = 500;
constexpr std::int64_t kCsvRows = 100'000;

json opt(const std::optional<double>& v) {
    return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

std::string csv_number(const std::optional<double>& v) {
    if (!v || !std::isfinite(*v)) return "";
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", *v);
    return buf;
}

// The history's columns after t, in order: one table for the chart's JSON and the CSV. The
// absorbed power (miners' draw less import) and the hash revenue of the bucket are derived.
using HistoryCells = std::array<std::pair<const char*, std::optional<double>>, 14>;

HistoryCells history_cells(const journal::HistoryRow& r, std::int64_t bucket_ms) {
    std::optional<double> absorbed, revenue;
    if (r.miners_w) absorbed = std::max(0.0, *r.miners_w - r.import_w.value_or(0));
    if (r.hashrate_ths && r.hashprice_per_th_day)
        revenue = *r.hashrate_ths * *r.hashprice_per_th_day * (bucket_ms / 86'400'000.0);
    return {{{"pv_w", r.pv_w},
             {"grid_w", r.grid_w},
             {"grid_min_w", r.grid_min_w},
             {"grid_max_w", r.grid_max_w},
             {"import_w", r.import_w},
             {"export_w", r.export_w},
             {"battery_w", r.battery_w},
             {"generator_w", r.generator_w},
             {"miners_w", r.miners_w},
             {"absorbed_w", absorbed},
             {"hashrate_ths", r.hashrate_ths},
             {"price_import_per_kwh", r.price_import_per_kwh},
             {"hashprice_per_th_day", r.hashprice_per_th_day},
             {"revenue", revenue}}};
}

json event_json(const journal::EventRow& e) {
    return {{"id", e.id},
            {"ts_ms", e.ts_ms},
            {"time", iso8601(from_unix_ms(e.ts_ms))},
            {"severity", to_string(e.severity)},
            {"code", e.code},
            {"subject", e.subject},
            {"message", e.message}};
}

void events_answer(const httplib::Request& req, httplib::Response& res, journal::Journal& journal) {
    std::size_t limit = 100;
    if (req.has_param("limit")) {
        auto l = int_param(req, "limit");
        if (!l || *l < 1 || *l > 1000) return json_error(res, 400, "limit: expected 1..1000");
        limit = static_cast<std::size_t>(*l);
    }
    std::vector<journal::EventRow> rows;
    if (req.has_param("after")) {
        auto after = int_param(req, "after");
        if (!after) return json_error(res, 400, "after: expected an event id");
        rows = journal.events_after(*after, limit);
    } else {
        rows = journal.recent_events(limit);
        std::reverse(rows.begin(), rows.end());
    }
    json out = json::array();
    std::int64_t last = req.has_param("after") ? int_param(req, "after").value_or(0) : 0;
    for (const auto& e : rows) {
        out.push_back(event_json(e));
        last = std::max(last, e.id);
    }
    send_json(res, 200, {{"events", out}, {"last_id", last}});
}

// ?range=hour|day|month (ending now) or ?from=&to= (Unix ms), optional &bucket= (ms).
// Without a bucket the journal plans one: at most max_points buckets, read from the raw
// rows or the minute / hour rollups (hour -> 10 s raw, day -> 5 min, month -> 2 h).
std::optional<journal::HistoryQuery> history_query(const httplib::Request& req,
                                                   httplib::Response& res,
                                                   journal::Journal& journal, const Clock& clock,
                                                   std::int64_t max_points) {
    std::int64_t from_ms = 0, to_ms = 0;
    const std::int64_t now = unix_ms(clock.now());
    if (req.has_param("range")) {
        const std::string r = req.get_param_value("range");
        std::int64_t span = 0;
        if (r == "hour")
            span = 3600'000;
        else if (r == "day")
            span = 86'400'000;
        else if (r == "month")
            span = 30LL * 86'400'000;
        else {
            json_error(res, 400, "range: expected hour, day or month");
            return std::nullopt;
        }
        to_ms = now + 1;
        from_ms = to_ms - span;
    } else {
        auto from = int_param(req, "from");
        auto to = int_param(req, "to");
        if (!from || !to) {
            json_error(res, 400, "expected range=hour|day|month, or from and to in Unix ms");
            return std::nullopt;
        }
        from_ms = *from;
        to_ms = *to;
    }
    journal::HistoryQuery q = journal.plan_history(from_ms, to_ms, max_points);
    if (req.has_param("bucket")) {
        auto b = int_param(req, "bucket");
        if (!b || *b < 1000 || *b > 86'400'000LL * 31) {
            json_error(res, 400, "bucket: expected milliseconds, 1000 to 31 days");
            return std::nullopt;
        }
        q.bucket_ms = *b;
        q.resolution = journal::Resolution::automatic;
    }
    return q;
}

// A chart's answer: the range and bucket the journal read, and the series as columns.
json history_json(const journal::HistoryQuery& q, json series) {
    return {{"from_ms", q.from_ms},
            {"to_ms", q.to_ms},
            {"bucket_ms", q.bucket_ms},
            {"resolution", journal::to_string(journal::resolution_for_bucket(q.bucket_ms))},
            {"series", std::move(series)}};
}

void history_answer(const journal::HistoryQuery& q, journal::Journal& journal,
                    httplib::Response& res) {
    auto rows = journal.history(q);
    if (!rows)
        return json_error(res, rows.error().code == ErrorCode::invalid ? 400 : 500,
                          rows.error().message);
    json cols = {{"t", json::array()}};
    for (const auto& [name, value] : history_cells({}, 0)) cols[name] = json::array();
    for (const auto& r : *rows) {
        cols["t"].push_back(r.ts_ms);
        for (const auto& [name, value] : history_cells(r, q.bucket_ms))
            cols[name].push_back(opt(value));
    }
    send_json(res, 200, history_json(q, std::move(cols)));
}

// Any signals' history (a zone's temperature, a generator's frequency): ?name=... (1 to 8,
// repeated) with the range parameters above. Columns: t, then each name's bucket means
// (null where it has no value in a bucket).
void signals_answer(const httplib::Request& req, httplib::Response& res, journal::Journal& journal,
                    const Clock& clock) {
    const std::size_t n = req.get_param_value_count("name");
    if (n < 1 || n > 8) return json_error(res, 400, "name: give 1 to 8 signal names");
    std::vector<std::string> names;
    for (std::size_t i = 0; i < n; ++i) {
        std::string name = req.get_param_value("name", i);
        if (name.empty() || name.size() > 128)
            return json_error(res, 400, "name: expected a signal name of 1 to 128 characters");
        if (std::find(names.begin(), names.end(), name) != names.end())
            return json_error(res, 400, "name: " + name + " is given twice");
        names.push_back(std::move(name));
    }
    auto q = history_query(req, res, journal, clock, kChartPoints);
    if (!q) return;
    std::map<std::int64_t, std::vector<std::optional<double>>> buckets;
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto rows = journal.signal_history(names[i], *q);
        if (!rows)
            return json_error(res, rows.error().code == ErrorCode::invalid ? 400 : 500,
                              rows.error().message);
        for (const auto& b : *rows) {
            auto& values = buckets[b.ts_ms];
            values.resize(names.size());
            values[i] = b.mean;
        }
    }
    json cols = {{"t", json::array()}};
    for (const auto& name : names) cols[name] = json::array();
    for (const auto& [ts, values] : buckets) {
        cols["t"].push_back(ts);
        for (std::size_t i = 0; i < names.size(); ++i) cols[names[i]].push_back(opt(values[i]));
    }
    send_json(res, 200, history_json(*q, std::move(cols)));
}

void csv_answer(const journal::HistoryQuery& q, journal::Journal& journal, httplib::Response& res) {
    auto rows = journal.history(q);
    if (!rows)
        return json_error(res, rows.error().code == ErrorCode::invalid ? 400 : 500,
                          rows.error().message);
    std::string out = "time,ts_ms";
    for (const auto& [name, value] : history_cells({}, 0)) out += std::string(",") + name;
    out += "\n";
    for (const auto& r : *rows) {
        out += iso8601(from_unix_ms(r.ts_ms)) + "," + std::to_string(r.ts_ms);
        for (const auto& [name, value] : history_cells(r, q.bucket_ms))
            out += "," + csv_number(value);
        out += "\n";
    }
    res.set_header("Content-Disposition", "attachment; filename=\"hashsink-history.csv\"");
    res.set_header("X-Hashsink-Bucket-Ms", std::to_string(q.bucket_ms));
    res.set_header("X-Hashsink-Resolution",
                   std::string(journal::to_string(journal::resolution_for_bucket(q.bucket_ms))));
    res.set_content(out, "text/csv; charset=utf-8");
}

}  // namespace

journal::Journal* WebServer::readable_journal(const httplib::Request& req, httplib::Response& res) {
    if (!require(req, res, false, false)) return nullptr;
    if (!options_.journal) {
        json_error(res, 503, "no journal");
        return nullptr;
    }
    return options_.journal;
}

void WebServer::data_routes() {
    auto& srv = *server_;
    srv.Get("/api/events", [this](const httplib::Request& req, httplib::Response& res) {
        if (auto* journal = readable_journal(req, res)) events_answer(req, res, *journal);
    });
    srv.Get("/api/history", [this](const httplib::Request& req, httplib::Response& res) {
        auto* journal = readable_journal(req, res);
        if (!journal) return;
        if (auto q = history_query(req, res, *journal, clock_, kChartPoints))
            history_answer(*q, *journal, res);
    });
    srv.Get("/api/history/signals", [this](const httplib::Request& req, httplib::Response& res) {
        if (auto* journal = readable_journal(req, res)) signals_answer(req, res, *journal, clock_);
    });
    srv.Get("/api/history.csv", [this](const httplib::Request& req, httplib::Response& res) {
        auto* journal = readable_journal(req, res);
        if (!journal) return;
        if (auto q = history_query(req, res, *journal, clock_, kCsvRows))
            csv_answer(*q, *journal, res);
    });
}

}  // namespace hashsink::web
