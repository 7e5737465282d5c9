#include "web/server.hpp"

#include <httplib.h>

#include "daemon/core/log.hpp"
#include "web/assets.hpp"
#include "web/auth/auth.hpp"
#include "web/auth/setup_code.hpp"
#include "web/config_store.hpp"
#include "web/guarded_server.hpp"
#include "web/http_helpers.hpp"

namespace hashsink::web {
namespace {

const char* content_type(std::string_view name) {
    auto ends = [&](std::string_view s) {
        return name.size() >= s.size() && name.substr(name.size() - s.size()) == s;
    };
    if (ends(".html")) return "text/html; charset=utf-8";
    if (ends(".js")) return "text/javascript; charset=utf-8";
    if (ends(".css")) return "text/css; charset=utf-8";
    if (ends(".svg")) return "image/svg+xml";
    if (ends(".png")) return "image/png";
    return "application/octet-stream";
}

void security_headers(httplib::Response& res) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("X-Frame-Options", "DENY");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cross-Origin-Opener-Policy", "same-origin");
    res.set_header("Cross-Origin-Resource-Policy", "same-origin");
    res.set_header("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
    res.set_header("Content-Security-Policy",
                   "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                   "script-src 'self'; connect-src 'self'; form-action 'self'; "
                   "base-uri 'none'; object-src 'none'; frame-ancestors 'none'");
    res.set_header("Cache-Control", "no-store");
}

}  // namespace

std::optional<std::pair<std::string, int>> parse_listen(const std::string& listen) {
    auto colon = listen.rfind(':');
    if (colon == std::string::npos || colon == 0) return std::nullopt;
    std::string host = listen.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    try {
        std::size_t used = 0;
        int port = std::stoi(listen.substr(colon + 1), &used);
        if (used != listen.size() - colon - 1 || port < 0 || port > 65535) return std::nullopt;
        return std::make_pair(host, port);
    } catch (...) {
        return std::nullopt;
    }
}

WebServer::WebServer(const loop::StatusBoard& board, const Clock& clock, WebOptions options)
    : board_(board),
      clock_(clock),
      options_(std::move(options)),
      auth_(std::make_unique<Auth>(options_.auth_file)),
      server_(std::make_unique<GuardedServer>()) {
    if (auto st = auth_->load(); !st) log::error("web", st.message + " (no one can log in)");
    if (auth_->setup_needed()) setup_code_ = std::make_unique<SetupCode>(options_.setup_code);
    options_.setup_code.clear();
    if (!options_.config_path.empty()) store_ = std::make_unique<ConfigStore>(options_.config_path);
    auto& srv = *server_;
    srv.on_closing([this](const ClosedConnections& since) { report_closing(since); });
    srv.set_payload_max_length(std::size_t{1024} * 1024 + 4096);
    srv.set_read_timeout(5, 0);
    srv.set_write_timeout(5, 0);
    srv.set_keep_alive_max_count(100);
    // Every answer, routed or not (404s, errors, /healthz), carries the security headers.
    srv.set_post_routing_handler(
        [](const httplib::Request&, httplib::Response& res) { security_headers(res); });
    status_routes();
    auth_routes();
    config_routes();
    action_routes();
    data_routes();
    // Last: httplib matches in registration order, and this one matches everything.
    asset_routes();
    // The handler type is httplib's: the exception_ptr comes by value.
    srv.set_exception_handler(
        [](const httplib::Request&, httplib::Response& res,
           std::exception_ptr) {  // NOLINT(performance-unnecessary-value-param)
            json_error(res, 500, "internal error");
        });
}

WebServer::~WebServer() { stop(); }

void WebServer::asset_routes() {
    server_->Get(R"(/(.*))", [](const httplib::Request& req, httplib::Response& res) {
        std::string name = req.matches[1];
        if (name.empty()) name = "index.html";
        for (const auto& a : assets()) {
            if (a.name == name) {
                res.set_content(std::string(a.data, a.size), content_type(a.name));
                return;
            }
        }
        res.status = 404;
        res.set_content("not found\n", "text/plain");
    });
}

std::optional<Session> WebServer::require(const httplib::Request& req, httplib::Response& res,
                                          bool admin, bool write) {
    if (write) {
        if (auto p = write_problem(req)) {
            json_error(res, p->status, p->message);
            return std::nullopt;
        }
    }
    auto s = auth_->session(cookie_value(req, kSessionCookie));
    if (!s) {
        json_error(res, 401, auth_->setup_needed() ? "set the admin password first"
                                                    : "log in first");
        return std::nullopt;
    }
    if (write && !same_text(req.get_header_value("X-CSRF-Token"), s->csrf)) {
        json_error(res, 403, "missing or wrong X-CSRF-Token");
        return std::nullopt;
    }
    if (admin && s->role != Role::admin) {
        json_error(res, 403, "the viewer role is read-only");
        return std::nullopt;
    }
    return s;
}

Status WebServer::start(const std::string& listen) {
    auto hp = parse_listen(listen);
    if (!hp) return Status::error(ErrorCode::invalid, "web: listen: bad address '" + listen + "'", false);
    if (hp->second == 0) {
        port_ = server_->bind_to_any_port(hp->first);
    } else {
        port_ = server_->bind_to_port(hp->first, hp->second) ? hp->second : -1;
    }
    if (port_ <= 0)
        return Status::error(ErrorCode::unreachable,
                             "web: listen " + listen + ": cannot bind (in use or not permitted)");
    server_->widen_backlog();
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    log::info("web", "serving on http://" + hp->first + ":" + std::to_string(port_));
    // A warning, so a log level that hides notices still shows it.
    if (setup_code_)
        log::warn("web", "setup code: " + setup_code_->current() +
                             " (enter it on the page to set the admin password)");
    return {};
}

void WebServer::stop() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace hashsink::web
