// The live status: JSON for the page, capabilities, Prometheus text, and the health check.
#include <string>
#include <string_view>

#include "daemon/core/log.hpp"
#include "daemon/journal/journal.hpp"
#include "web/api/metrics_text.hpp"
#include "web/api/status_compact.hpp"
#include "web/api/status_json.hpp"
#include "web/auth/auth.hpp"
#include "web/guarded_server.hpp"
#include "web/http_helpers.hpp"
#include "web/server.hpp"
#include "web/site_control.hpp"

namespace hashsink::web {

using nlohmann::json;

namespace {

// The server's own section of /api/status: connections served now, and those it closed.
json connections_json(const GuardedServer& srv) {
    const ClosedConnections c = srv.closed();
    return {{"connections", srv.open_connections()},
            {"max_connections", srv.limits().max_connections},
            {"closed",
             {{"to_make_room", c.to_make_room},
              {"too_slow", c.too_slow},
              {"too_large", c.too_large},
              {"unreadable", c.unreadable}}}};
}

}  // namespace

void WebServer::report_closing(const ClosedConnections& since) {
    const ConnectionLimits& limits = server_->limits();
    std::string what;
    auto add = [&](std::uint64_t n, const std::string& why) {
        if (n == 0) return;
        what += (what.empty() ? "" : ", ") + std::to_string(n) + " " + why;
    };
    add(since.to_make_room,
        "to make room (more than " + std::to_string(limits.max_connections) + " at once)");
    add(since.too_slow, "whose request did not come in time");
    add(since.too_large, "whose request was too large");
    add(since.unreadable, "whose request could not be read (400, 411)");
    const std::string message =
        "closed connections before answering them: " + what +
        "; the page still answers (totals: web.closed in /api/status; at most one such line a "
        "minute)";
    log::warn("web", message);
    if (options_.journal)
        options_.journal->record_event(clock_.now(), Severity::warning, "web.crowded", "web",
                                       message);
}

void WebServer::status_routes() {
    auto& srv = *server_;
    srv.Get("/api/status", [this](const httplib::Request& req, httplib::Response& res) {
        if (!options_.public_status && !require(req, res, false, false)) return;
        auto st = board_.latest();
        if (!st) {
            json_error(res, 503, "starting: no tick yet");
            return;
        }
        // ?caps=0: without each miner's caps (GET /api/caps has them); ?view=compact&offset=
        // &limit=: fleet totals and a page of short rows (the page's poll of a large fleet).
        auto query = parse_status_query(req.params);
        if (!query) return json_error(res, 400, query.error().message);
        json j = query->compact ? compact_status_json(*st, clock_.now(), *query)
                                : status_json(*st, clock_.now(), query->with_caps);
        if (options_.control) {
            j["override"] = options_.control->override_state();
            j["publish"] = options_.control->publish_state();
        }
        j["web"] = connections_json(*server_);
        if (options_.journal) j["journal"] = journal_json(options_.journal->stats(), clock_.now());
        res.set_content(json_text(j), "application/json");
    });
    srv.Get("/api/caps", [this](const httplib::Request& req, httplib::Response& res) {
        if (!options_.public_status && !require(req, res, false, false)) return;
        auto st = board_.latest();
        if (!st) return json_error(res, 503, "starting: no tick yet");
        const std::string id = req.get_param_value("id");
        json miners = caps_json(*st, id);
        if (!id.empty() && miners.empty()) return json_error(res, 404, "miner " + id + ": unknown");
        res.set_content(json_text(json{{"miners", miners}}), "application/json");
    });
    // Prometheus: the same status as text. A scraper has no session, so with public_status off
    // it may send the bearer token from web.metrics_token_file instead.
    srv.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
        if (!options_.public_status) {
            const std::string header = req.get_header_value("Authorization");
            constexpr std::string_view kBearer = "Bearer ";
            const bool has_bearer = header.rfind(kBearer, 0) == 0;
            if (has_bearer) {
                if (options_.metrics_token.empty() ||
                    !same_text(header.substr(kBearer.size()), options_.metrics_token)) {
                    res.set_header("WWW-Authenticate", "Bearer");
                    return json_error(res, 401, "wrong bearer token");
                }
            } else if (!require(req, res, false, false)) {
                if (!options_.metrics_token.empty()) res.set_header("WWW-Authenticate", "Bearer");
                return;
            }
        }
        auto st = board_.latest();
        if (!st) return json_error(res, 503, "starting: no tick yet");
        std::string text = metrics_text(*st, clock_.now()) +
                           connections_metrics_text(server_->open_connections(), server_->closed());
        if (options_.journal) text += journal_metrics_text(options_.journal->stats());
        res.set_content(text, kMetricsContentType);
    });
    srv.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
        auto st = board_.latest();
        bool fresh = st && seconds_between(st->at, clock_.now()) < 10;
        res.status = fresh ? 200 : 503;
        res.set_content(fresh ? "ok\n" : "loop not ticking\n", "text/plain");
    });
}

}  // namespace hashsink::web
