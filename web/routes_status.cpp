// The live status: JSON for the page, capabilities, Prometheus text, and the health check.
#include <string_view>

#include "web/api/metrics_text.hpp"
#include "web/api/status_json.hpp"
#include "web/auth/auth.hpp"
#include "web/http_helpers.hpp"
#include "web/server.hpp"
#include "web/site_control.hpp"

namespace hashsink::web {

using nlohmann::json;

void WebServer::status_routes() {
    auto& srv = *server_;
    srv.Get("/api/status", [this](const httplib::Request& req, httplib::Response& res) {
        if (!options_.public_status && !require(req, res, false, false)) return;
        auto st = board_.latest();
        if (!st) {
            json_error(res, 503, "starting: no tick yet");
            return;
        }
        // ?caps=0: without each miner's caps (the page's poll; GET /api/caps has them).
        const bool with_caps = req.get_param_value("caps") != "0";
        json j = status_json(*st, clock_.now(), with_caps);
        if (options_.control) {
            j["override"] = options_.control->override_state();
            j["publish"] = options_.control->publish_state();
        }
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
        res.set_content(metrics_text(*st, clock_.now()), kMetricsContentType);
    });
    srv.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
        auto st = board_.latest();
        bool fresh = st && seconds_between(st->at, clock_.now()) < 10;
        res.status = fresh ? 200 : 503;
        res.set_content(fresh ? "ok\n" : "loop not ticking\n", "text/plain");
    });
}

}  // namespace hashsink::web
