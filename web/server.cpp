#include "web/server.hpp"

#include <httplib.h>

#include <openssl/crypto.h>

#include <array>
#include <cmath>
#include <cstdio>

#include "daemon/config/config.hpp"
#include "daemon/core/log.hpp"
#include "daemon/journal/journal.hpp"
#include "web/api/config_json.hpp"
#include "web/api/config_splice.hpp"
#include "web/api/metrics_text.hpp"
#include "web/api/status_json.hpp"
#include "web/assets.hpp"
#include "web/auth/auth.hpp"
#include "web/config_store.hpp"
#include "web/site_control.hpp"

namespace hashsink::web {
namespace {

using nlohmann::json;
constexpr const char* kCookie = "hs_session";

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

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
}

void json_error(httplib::Response& res, int status, const std::string& message) {
    send_json(res, status, json{{"error", message}});
}

// 422 with the errors at their key paths, for the form to show at each field.
void field_errors(httplib::Response& res, const json& errors) {
    send_json(res, 422, json{{"error", "the config has problems"}, {"errors", errors}});
}

// json_to_toml's shape error ("<key path>: <message>") as one error at its field.
void shape_error(httplib::Response& res, const std::string& message) {
    const std::size_t colon = message.find(": ");
    json e = colon == std::string::npos || message.find(' ') < colon
                 ? json{{"path", ""}, {"message", message}}
                 : json{{"path", message.substr(0, colon)}, {"message", message.substr(colon + 2)}};
    field_errors(res, json::array({e}));
}

std::string cookie_value(const httplib::Request& req, const std::string& name) {
    const std::string header = req.get_header_value("Cookie");
    std::size_t pos = 0;
    while (pos < header.size()) {
        std::size_t end = header.find(';', pos);
        if (end == std::string::npos) end = header.size();
        std::string part = header.substr(pos, end - pos);
        while (!part.empty() && part.front() == ' ') part.erase(0, 1);
        if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 &&
            part[name.size()] == '=')
            return part.substr(name.size() + 1);
        pos = end + 1;
    }
    return {};
}

void set_session_cookie(httplib::Response& res, const std::string& token) {
    res.set_header("Set-Cookie", std::string(kCookie) + "=" + token +
                                     "; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200");
}
void clear_session_cookie(httplib::Response& res) {
    res.set_header("Set-Cookie",
                   std::string(kCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

bool same_text(const std::string& a, const std::string& b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Writes must be JSON from this page: a JSON content type (cross-site forms cannot send one
// without a preflight), and an Origin, when sent, naming this host.
struct HttpProblem {
    int status;
    std::string message;
};

std::optional<HttpProblem> write_problem(const httplib::Request& req) {
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("application/json", 0) != 0)
        return HttpProblem{415, "expected Content-Type: application/json"};
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty() && origin != "null") {
        auto scheme = origin.find("://");
        std::string host = scheme == std::string::npos ? origin : origin.substr(scheme + 3);
        if (host != req.get_header_value("Host"))
            return HttpProblem{403, "cross-origin request refused"};
    }
    return std::nullopt;
}

std::optional<json> parse_body(const httplib::Request& req, httplib::Response& res) {
    try {
        auto j = json::parse(req.body);
        if (!j.is_object()) {
            json_error(res, 400, "body: expected a JSON object");
            return std::nullopt;
        }
        return j;
    } catch (const std::exception&) {
        json_error(res, 400, "body: not valid JSON");
        return std::nullopt;
    }
}

std::optional<std::string> string_field(const json& j, const char* name, std::size_t max = 512) {
    if (!j.contains(name) || !j[name].is_string()) return std::nullopt;
    auto s = j[name].get<std::string>();
    if (s.size() > max) return std::nullopt;
    return s;
}

std::optional<std::int64_t> int_param(const httplib::Request& req, const char* name) {
    if (!req.has_param(name)) return std::nullopt;
    const std::string v = req.get_param_value(name);
    if (v.empty() || v.size() > 18) return std::nullopt;
    std::int64_t out = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return std::nullopt;
        out = out * 10 + (c - '0');
    }
    return out;
}

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
      server_(std::make_unique<httplib::Server>()) {
    if (auto st = auth_->load(); !st) log::error("web", st.message + " (no one can log in)");
    if (!options_.config_path.empty()) store_ = std::make_unique<ConfigStore>(options_.config_path);
    auto& srv = *server_;
    srv.set_payload_max_length(std::size_t{1024} * 1024 + 4096);
    srv.set_read_timeout(5, 0);
    srv.set_write_timeout(5, 0);
    srv.set_keep_alive_max_count(100);
    // Every answer, routed or not (404s, errors, /healthz), carries the security headers.
    srv.set_post_routing_handler(
        [](const httplib::Request&, httplib::Response& res) { security_headers(res); });
    routes();
    setup_routes();
    data_routes();
    // Last: httplib matches in registration order, and this one matches everything.
    srv.Get(R"(/(.*))", [](const httplib::Request& req, httplib::Response& res) {
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
    // The handler type is httplib's: the exception_ptr comes by value.
    srv.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {  // NOLINT(performance-unnecessary-value-param)
        json_error(res, 500, "internal error");
    });
}

WebServer::~WebServer() { stop(); }

std::optional<Session> WebServer::require(const httplib::Request& req, httplib::Response& res,
                                          bool admin, bool write) {
    if (write) {
        if (auto p = write_problem(req)) {
            json_error(res, p->status, p->message);
            return std::nullopt;
        }
    }
    auto s = auth_->session(cookie_value(req, kCookie));
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

void WebServer::routes() {
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
        if (options_.control) j["override"] = options_.control->override_state();
        res.set_content(j.dump(), "application/json");
    });
    srv.Get("/api/caps", [this](const httplib::Request& req, httplib::Response& res) {
        if (!options_.public_status && !require(req, res, false, false)) return;
        auto st = board_.latest();
        if (!st) return json_error(res, 503, "starting: no tick yet");
        const std::string id = req.get_param_value("id");
        json miners = caps_json(*st, id);
        if (!id.empty() && miners.empty()) return json_error(res, 404, "miner " + id + ": unknown");
        res.set_content(json{{"miners", miners}}.dump(), "application/json");
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

    srv.Get("/api/session", [this](const httplib::Request& req, httplib::Response& res) {
        json j = {{"setup_needed", auth_->setup_needed()},
                  {"public_status", options_.public_status},
                  {"setup_enabled", store_ != nullptr && options_.control != nullptr},
                  {"viewer_exists", auth_->has_user("viewer")}};
        if (auto s = auth_->session(cookie_value(req, kCookie))) {
            j["user"] = s->user;
            j["role"] = to_string(s->role);
            j["csrf"] = s->csrf;
        } else {
            j["user"] = nullptr;
        }
        send_json(res, 200, j);
    });
    // First run: whoever sets the admin password first owns the site (docs/web.md).
    srv.Post("/api/setup", [this](const httplib::Request& req, httplib::Response& res) {
        if (auto p = write_problem(req)) return json_error(res, p->status, p->message);
        if (!auth_->setup_needed()) return json_error(res, 409, "the admin password is already set");
        auto body = parse_body(req, res);
        if (!body) return;
        auto pw = string_field(*body, "password", 1024);
        if (!pw) return json_error(res, 400, "password: expected a string");
        if (auto p = Auth::password_problem(*pw)) return json_error(res, 400, *p);
        if (auto st = auth_->set_password("admin", *pw); !st) return json_error(res, 500, st.message);
        auto r = auth_->login(req.remote_addr, "admin", *pw);
        if (r.outcome != Auth::LoginResult::Outcome::ok)
            return json_error(res, 500, "password set, but the login failed");
        log::notice("web", "admin password set from " + req.remote_addr);
        set_session_cookie(res, r.token);
        send_json(res, 200, {{"user", "admin"}, {"role", "admin"}, {"csrf", r.session.csrf}});
    });
    srv.Post("/api/login", [this](const httplib::Request& req, httplib::Response& res) {
        if (auto p = write_problem(req)) return json_error(res, p->status, p->message);
        auto body = parse_body(req, res);
        if (!body) return;
        auto user = string_field(*body, "user", 64);
        auto pw = string_field(*body, "password", 1024);
        if (!user || !pw) return json_error(res, 400, "user and password: expected strings");
        auto r = auth_->login(req.remote_addr, *user, *pw);
        using O = Auth::LoginResult::Outcome;
        if (r.outcome == O::limited) {
            res.set_header("Retry-After", std::to_string(r.retry_after_s));
            return json_error(res, 429, "too many failed logins; try again in " +
                                            std::to_string(r.retry_after_s) + " s");
        }
        if (r.outcome != O::ok) return json_error(res, 401, "wrong user or password");
        set_session_cookie(res, r.token);
        send_json(res, 200, {{"user", r.session.user},
                             {"role", to_string(r.session.role)},
                             {"csrf", r.session.csrf}});
    });
    srv.Post("/api/logout", [this](const httplib::Request& req, httplib::Response& res) {
        if (!require(req, res, false, true)) return;
        auth_->logout(cookie_value(req, kCookie));
        clear_session_cookie(res);
        send_json(res, 200, {{"ok", true}});
    });
    srv.Post("/api/password", [this](const httplib::Request& req, httplib::Response& res) {
        auto s = require(req, res, true, true);
        if (!s) return;
        auto body = parse_body(req, res);
        if (!body) return;
        auto user = string_field(*body, "user", 64).value_or("admin");
        if (user != "admin" && user != "viewer")
            return json_error(res, 400, "user: must be admin or viewer");
        if (body->contains("remove") && (*body)["remove"] == true) {
            if (auto st = auth_->remove_user(user); !st) return json_error(res, 400, st.message);
            return send_json(res, 200, {{"ok", true}});
        }
        auto pw = string_field(*body, "password", 1024);
        if (!pw) return json_error(res, 400, "password: expected a string");
        if (user == "admin") {
            // Changing the admin password takes the current one too.
            auto current = string_field(*body, "current", 1024);
            if (!current) return json_error(res, 400, "current: expected the current password");
            auto check = auth_->login(req.remote_addr, "admin", *current);
            if (check.outcome == Auth::LoginResult::Outcome::limited)
                return json_error(res, 429, "too many failed logins");
            if (check.outcome != Auth::LoginResult::Outcome::ok)
                return json_error(res, 400, "current: wrong password");
            auth_->logout(check.token);
        }
        if (auto st = auth_->set_password(user, *pw); !st)
            return json_error(res, st.code == ErrorCode::invalid ? 400 : 500, st.message);
        if (user == "admin") clear_session_cookie(res);   // log in again with the new one
        send_json(res, 200, {{"ok", true}});
    });

}

void WebServer::setup_routes() {
    auto& srv = *server_;
    // Every set-up route needs the admin, a config file and the site behind it.
    auto ready = [this](const httplib::Request& req, httplib::Response& res, bool write) {
        if (!require(req, res, true, write)) return false;
        if (!store_ || !options_.control) {
            json_error(res, 503, "set-up is off: the daemon runs without a config file");
            return false;
        }
        return true;
    };
    // Validates text with the loader `check` uses; saves, applies, and answers.
    auto save_and_apply = [this](const std::string& text, const std::string& note,
                                 httplib::Response& res) {
        auto loaded = config::load_string(text, store_->path(), options_.control->catalog());
        if (!loaded.ok()) return field_errors(res, diagnostics_json(loaded.diagnostics));
        if (auto st = store_->save(text, unix_ms(clock_.now()), note); !st)
            return json_error(res, 500, st.message);
        auto applied = options_.control->apply(*loaded.config);
        if (!applied)
            return send_json(res, 200, {{"ok", false}, {"saved", true}, {"note", note},
                                        {"error", applied.error().message}});
        send_json(res, 200, {{"ok", true}, {"saved", true}, {"note", note},
                             {"message", *applied}});
    };

    srv.Get("/api/catalog", [this, ready](const httplib::Request& req, httplib::Response& res) {
        if (!ready(req, res, false)) return;
        send_json(res, 200, catalog_json(options_.control->catalog(), options_.control->summaries()));
    });
    srv.Get("/api/config", [this, ready](const httplib::Request& req, httplib::Response& res) {
        if (!ready(req, res, false)) return;
        auto text = store_->current();
        if (!text) return json_error(res, 500, text.error().message);
        auto doc = config_to_json(*text, options_.control->catalog());
        if (!doc) return json_error(res, 500, doc.error().message);
        send_json(res, 200, {{"path", store_->path()}, {"note", store_->current_note()},
                             {"config", *doc}});
    });
    srv.Post("/api/config/validate", [this, ready](const httplib::Request& req, httplib::Response& res) {
        if (!ready(req, res, true)) return;
        auto body = parse_body(req, res);
        if (!body) return;
        if (!body->contains("config")) return json_error(res, 400, "config: missing");
        auto text = json_to_toml((*body)["config"], store_->current().value_or(""),
                                 options_.control->catalog());
        if (!text) return shape_error(res, text.error().message);
        auto loaded = config::load_string(*text, store_->path(), options_.control->catalog());
        if (!loaded.ok()) return field_errors(res, diagnostics_json(loaded.diagnostics));
        send_json(res, 200, {{"ok", true}});
    });
    srv.Post("/api/config", [this, ready, save_and_apply](const httplib::Request& req, httplib::Response& res) {
        if (!ready(req, res, true)) return;
        auto body = parse_body(req, res);
        if (!body) return;
        if (!body->contains("config")) return json_error(res, 400, "config: missing");
        const std::string current = store_->current().value_or("");
        auto text = json_to_toml((*body)["config"], current, options_.control->catalog());
        if (!text)
            return shape_error(res, text.error().message);
        // The installer's comments stay: the change is spliced into the file as it is.
        SplicedConfig spliced = splice_config(current, *text);
        save_and_apply(spliced.text, spliced.note, res);
    });
    srv.Get("/api/config/versions", [this, ready](const httplib::Request& req, httplib::Response& res) {
        if (!ready(req, res, false)) return;
        json out = json::array();
        for (const auto& v : store_->versions())
            out.push_back({{"id", v.id},
                           {"saved_ms", v.saved_ms},
                           {"time", iso8601(from_unix_ms(v.saved_ms))},
                           {"bytes", v.bytes},
                           {"note", v.note}});
        send_json(res, 200, {{"versions", out}});
    });
    srv.Get(R"(/api/config/versions/([^/]+))", [this, ready](const httplib::Request& req, httplib::Response& res) {
        if (!ready(req, res, false)) return;
        auto text = store_->version(req.matches[1]);
        if (!text) return json_error(res, 404, text.error().message);
        auto doc = config_to_json(*text, options_.control->catalog());
        if (!doc) return json_error(res, 422, doc.error().message);
        send_json(res, 200, {{"id", std::string(req.matches[1])}, {"config", *doc}});
    });
    srv.Post("/api/config/restore", [this, ready, save_and_apply](const httplib::Request& req, httplib::Response& res) {
        if (!ready(req, res, true)) return;
        auto body = parse_body(req, res);
        if (!body) return;
        auto id = string_field(*body, "id", 32);
        if (!id || !ConfigStore::valid_id(*id)) return json_error(res, 400, "id: expected a version id");
        auto text = store_->version(*id);
        if (!text) return json_error(res, 404, text.error().message);
        save_and_apply(*text, "restored version " + *id, res);
    });

    // "Test" buttons: the item is validated as the loader would, then read once.
    auto test_item = [this, ready](const char* list, const char* field) {
        return [this, ready, list, field](const httplib::Request& req, httplib::Response& res) {
            if (!ready(req, res, true)) return;
            auto body = parse_body(req, res);
            if (!body) return;
            if (!body->contains(field) || !(*body)[field].is_object())
                return json_error(res, 400, std::string(field) + ": expected an object");
            json item = (*body)[field];
            if (!item.contains("id") || item["id"] == "") item["id"] = "test";
            json doc = {{"site", {{"max_draw_w", 1}}}, {list, json::array({item})}};
            auto text = json_to_toml(doc, "", options_.control->catalog());
            if (!text)
                return shape_error(res, text.error().message);
            auto loaded = config::load_string(*text, "test", options_.control->catalog());
            if (!loaded.ok()) return field_errors(res, diagnostics_json(loaded.diagnostics));
            const auto& items = std::string(list) == "miners" ? loaded.config->miners
                                                               : loaded.config->sources;
            send_json(res, 200, std::string(list) == "miners"
                                    ? options_.control->test_miner(items.front())
                                    : options_.control->test_source(items.front()));
        };
    };
    srv.Post("/api/test/miner", test_item("miners", "miner"));
    srv.Post("/api/test/source", test_item("sources", "source"));
    srv.Post("/api/scan", [this, ready](const httplib::Request& req, httplib::Response& res) {
        if (!ready(req, res, true)) return;
        auto body = parse_body(req, res);
        if (!body) return;
        auto found = options_.control->scan(*body);
        if (!found) return json_error(res, 501, "network scan is not built in yet; add miners by URL");
        if (found->contains("error")) return send_json(res, 400, *found);
        send_json(res, 200, *found);
    });
    srv.Post("/api/override", [this](const httplib::Request& req, httplib::Response& res) {
        if (!require(req, res, true, true)) return;
        if (!options_.control) return json_error(res, 503, "overrides are off");
        auto body = parse_body(req, res);
        if (!body) return;
        auto mode = string_field(*body, "mode", 16);
        if (!mode || (*mode != "off" && *mode != "min" && *mode != "max" && *mode != "clear"))
            return json_error(res, 400, "mode: expected off, min, max or clear");
        std::optional<OverrideRequest> r;
        if (*mode != "clear") {
            if (!body->contains("minutes") || !(*body)["minutes"].is_number())
                return json_error(res, 400, "minutes: expected a number");
            double minutes = (*body)["minutes"].get<double>();
            if (!std::isfinite(minutes) || minutes < 1 || minutes > 7 * 24 * 60)
                return json_error(res, 400, "minutes: must be between 1 and 10080 (a week)");
            r = OverrideRequest{*mode, std::chrono::seconds(std::llround(minutes * 60))};
        }
        if (auto st = options_.control->set_override(r); !st)
            return json_error(res, st.code == ErrorCode::unsupported ? 501 : 400, st.message);
        send_json(res, 200, {{"ok", true}, {"override", options_.control->override_state()}});
    });
}

void WebServer::data_routes() {
    auto& srv = *server_;
    srv.Get("/api/events", [this](const httplib::Request& req, httplib::Response& res) {
        if (!require(req, res, false, false)) return;
        if (!options_.journal) return json_error(res, 503, "no journal");
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
            rows = options_.journal->events_after(*after, limit);
        } else {
            rows = options_.journal->recent_events(limit);
            std::reverse(rows.begin(), rows.end());
        }
        json out = json::array();
        std::int64_t last = req.has_param("after") ? int_param(req, "after").value_or(0) : 0;
        for (const auto& e : rows) {
            out.push_back(event_json(e));
            last = std::max(last, e.id);
        }
        send_json(res, 200, {{"events", out}, {"last_id", last}});
    });

    // ?range=hour|day|month (ending now) or ?from=&to= (Unix ms), optional &bucket= (ms).
    // Without a bucket the journal plans one: at most max_points buckets, read from the raw
    // rows or the minute / hour rollups (hour -> 10 s raw, day -> 5 min, month -> 2 h).
    auto query = [this](const httplib::Request& req, httplib::Response& res,
                        std::int64_t max_points) -> std::optional<journal::HistoryQuery> {
        std::int64_t from_ms = 0, to_ms = 0;
        const std::int64_t now = unix_ms(clock_.now());
        if (req.has_param("range")) {
            const std::string r = req.get_param_value("range");
            std::int64_t span = 0;
            if (r == "hour") span = 3600'000;
            else if (r == "day") span = 86'400'000;
            else if (r == "month") span = 30LL * 86'400'000;
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
        journal::HistoryQuery q = options_.journal->plan_history(from_ms, to_ms, max_points);
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
    };
    // A chart's answer: the range and bucket the journal read, and the series as columns.
    auto history_json = [](const journal::HistoryQuery& q, json series) -> json {
        return {{"from_ms", q.from_ms},
                {"to_ms", q.to_ms},
                {"bucket_ms", q.bucket_ms},
                {"resolution", journal::to_string(journal::resolution_for_bucket(q.bucket_ms))},
                {"series", std::move(series)}};
    };
    constexpr std::int64_t kChartPoints = 500;
    constexpr std::int64_t kCsvRows = 100'000;
    srv.Get("/api/history", [this, query, history_json](const httplib::Request& req, httplib::Response& res) {
        if (!require(req, res, false, false)) return;
        if (!options_.journal) return json_error(res, 503, "no journal");
        auto q = query(req, res, kChartPoints);
        if (!q) return;
        auto rows = options_.journal->history(*q);
        if (!rows) return json_error(res, rows.error().code == ErrorCode::invalid ? 400 : 500,
                                     rows.error().message);
        json cols = {{"t", json::array()}};
        for (const auto& [name, value] : history_cells({}, 0)) cols[name] = json::array();
        for (const auto& r : *rows) {
            cols["t"].push_back(r.ts_ms);
            for (const auto& [name, value] : history_cells(r, q->bucket_ms))
                cols[name].push_back(opt(value));
        }
        send_json(res, 200, history_json(*q, std::move(cols)));
    });
    // Any signals' history (a zone's temperature, a generator's frequency): ?name=... (1 to 8,
    // repeated) with the range parameters above. Columns: t, then each name's bucket means
    // (null where it has no value in a bucket).
    srv.Get("/api/history/signals", [this, query, history_json](const httplib::Request& req,
                                                  httplib::Response& res) {
        if (!require(req, res, false, false)) return;
        if (!options_.journal) return json_error(res, 503, "no journal");
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
        auto q = query(req, res, kChartPoints);
        if (!q) return;
        std::map<std::int64_t, std::vector<std::optional<double>>> buckets;
        for (std::size_t i = 0; i < names.size(); ++i) {
            auto rows = options_.journal->signal_history(names[i], *q);
            if (!rows) return json_error(res, rows.error().code == ErrorCode::invalid ? 400 : 500,
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
    });
    srv.Get("/api/history.csv", [this, query](const httplib::Request& req, httplib::Response& res) {
        if (!require(req, res, false, false)) return;
        if (!options_.journal) return json_error(res, 503, "no journal");
        auto q = query(req, res, kCsvRows);
        if (!q) return;
        auto rows = options_.journal->history(*q);
        if (!rows) return json_error(res, rows.error().code == ErrorCode::invalid ? 400 : 500,
                                     rows.error().message);
        std::string out = "time,ts_ms";
        for (const auto& [name, value] : history_cells({}, 0)) out += std::string(",") + name;
        out += "\n";
        for (const auto& r : *rows) {
            out += iso8601(from_unix_ms(r.ts_ms)) + "," + std::to_string(r.ts_ms);
            for (const auto& [name, value] : history_cells(r, q->bucket_ms))
                out += "," + csv_number(value);
            out += "\n";
        }
        res.set_header("Content-Disposition", "attachment; filename=\"hashsink-history.csv\"");
        res.set_header("X-Hashsink-Bucket-Ms", std::to_string(q->bucket_ms));
        res.set_header("X-Hashsink-Resolution",
                       std::string(journal::to_string(journal::resolution_for_bucket(q->bucket_ms))));
        res.set_content(out, "text/csv; charset=utf-8");
    });
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
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    log::info("web", "serving on http://" + hp->first + ":" + std::to_string(port_));
    return {};
}

void WebServer::stop() {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
}

}  // namespace hashsink::web
