// Sessions: the first run's admin password, logging in and out, changing passwords.
#include <chrono>
#include <string>

#include "daemon/core/log.hpp"
#include "web/auth/auth.hpp"
#include "web/auth/setup_code.hpp"
#include "web/guarded_server.hpp"
#include "web/http_helpers.hpp"
#include "web/server.hpp"
#include "web/site_control.hpp"

namespace hashsink::web {

using nlohmann::json;

void WebServer::auth_routes() {
    auto& srv = *server_;
    srv.Get("/api/session", [this](const httplib::Request& req, httplib::Response& res) {
        const bool setup_needed = auth_->setup_needed();
        json j = {{"setup_needed", setup_needed},
                  {"setup_code_required", setup_needed},  // never the code itself
                  {"public_status", options_.public_status},
                  {"setup_enabled", store_ != nullptr && options_.control != nullptr},
                  {"viewer_exists", auth_->has_user("viewer")}};
        if (auto s = auth_->session(cookie_value(req, kSessionCookie))) {
            j["user"] = s->user;
            j["role"] = to_string(s->role);
            j["csrf"] = s->csrf;
        } else {
            j["user"] = nullptr;
        }
        send_json(res, 200, j);
    });
    // First run: whoever sets the admin password first owns the site, and it takes the setup
    // code from the daemon's log (docs/web.md).
    srv.Post("/api/setup", [this](const httplib::Request& req, httplib::Response& res) {
        first_setup(req, res);
    });
    srv.Post("/api/login",
             [this](const httplib::Request& req, httplib::Response& res) { login(req, res); });
    srv.Post("/api/logout", [this](const httplib::Request& req, httplib::Response& res) {
        if (!require(req, res, false, true)) return;
        auth_->logout(cookie_value(req, kSessionCookie));
        clear_session_cookie(res);
        send_json(res, 200, {{"ok", true}});
    });
    srv.Post("/api/password", [this](const httplib::Request& req, httplib::Response& res) {
        change_password(req, res);
    });
}

void WebServer::first_setup(const httplib::Request& req, httplib::Response& res) {
    if (auto p = write_problem(req)) return json_error(res, p->status, p->message);
    if (!auth_->setup_needed()) return json_error(res, 409, "the admin password is already set");
    auto body = parse_body(req, res);
    if (!body) return;
    if (!setup_code_accepted(req, string_field(*body, "setup_code", 64).value_or(""), res)) return;
    auto pw = string_field(*body, "password", 1024);
    if (!pw) return json_error(res, 400, "password: expected a string");
    if (auto p = Auth::password_problem(*pw)) return json_error(res, 400, *p);
    if (auto st = auth_->set_password("admin", *pw); !st) return json_error(res, 500, st.message);
    setup_code_->spend();
    auto r = auth_->login(req.remote_addr, "admin", *pw);
    if (r.outcome != Auth::LoginResult::Outcome::ok)
        return json_error(res, 500, "password set, but the login failed");
    log::notice("web", "admin password set from " + req.remote_addr);
    set_session_cookie(res, r.token);
    send_json(res, 200, {{"user", "admin"}, {"role", "admin"}, {"csrf", r.session.csrf}});
}

bool WebServer::setup_code_accepted(const httplib::Request& req, const std::string& given,
                                    httplib::Response& res) {
    using O = SetupCode::Check::Outcome;
    auto c = setup_code_ ? setup_code_->check(given, std::chrono::steady_clock::now())
                         : SetupCode::Check{O::spent};
    if (c.outcome == O::ok) return true;
    if (c.outcome == O::spent) {
        json_error(res, 409, "the admin password is already set");
    } else if (c.outcome == O::limited) {
        res.set_header("Retry-After", std::to_string(c.retry_after_s));
        json_error(res, 429,
                   "too many wrong setup codes: the daemon's log has a new one; try again in " +
                       std::to_string(c.retry_after_s) + " s");
    } else {
        log::warn("web", "wrong setup code from " + req.remote_addr);
        if (!c.new_code.empty())
            log::warn("web", "too many wrong setup codes: new setup code: " + c.new_code +
                                 " (enter it on the page to set the admin password)");
        json_error(res, 403,
                   "setup_code: missing or wrong; the daemon prints it in its log at start "
                   "(journalctl -u hashsink)");
    }
    return false;
}

void WebServer::login(const httplib::Request& req, httplib::Response& res) {
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
        return json_error(
            res, 429,
            "too many failed logins; try again in " + std::to_string(r.retry_after_s) + " s");
    }
    if (r.outcome != O::ok) return json_error(res, 401, "wrong user or password");
    set_session_cookie(res, r.token);
    send_json(
        res, 200,
        {{"user", r.session.user}, {"role", to_string(r.session.role)}, {"csrf", r.session.csrf}});
}

void WebServer::change_password(const httplib::Request& req, httplib::Response& res) {
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
    if (user == "admin") clear_session_cookie(res);  // log in again with the new one
    send_json(res, 200, {{"ok", true}});
}

}  // namespace hashsink::web
