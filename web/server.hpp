// The local web server: the installer's page (set-up, live view, history) and its JSON API.
// Routes, roles and the security model: docs/web.md.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "daemon/core/result.hpp"
#include "daemon/loop/status.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace hashsink::journal {
class Journal;
}

namespace hashsink::web {

class Auth;
class ConfigStore;
class GuardedServer;
struct ClosedConnections;
class SetupCode;
class SiteControl;
struct Session;

struct WebOptions {
    journal::Journal* journal = nullptr;    // events and history; nullptr: those routes 503
    SiteControl* control = nullptr;         // set-up, tests, override; nullptr: those 503
    std::string config_path;                // the file set-up saves; empty: set-up disabled
    std::string auth_file;                  // hashed passwords; empty: kept in memory only
    bool public_status = true;              // GET /api/status without a login
    // With public_status = false, GET /metrics also accepts `Authorization: Bearer <this>`
    // (a scraper has no session); empty: only a session.
    std::string metrics_token;
    // The first run's setup code (web/auth/setup_code.hpp); empty: a random one. Only made, and
    // printed to the log at start, while no admin password is set.
    std::string setup_code;
};

class WebServer {
public:
    WebServer(const loop::StatusBoard& board, const Clock& clock, WebOptions options = {});
    ~WebServer();
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    // listen: "host:port" (port 0 picks a free one).
    Status start(const std::string& listen);
    void stop();
    int port() const { return port_; }

private:
    // The routes by group, each group in its own file:
    void status_routes();  // routes_status.cpp: /api/status, /api/caps, /metrics, /healthz
    void auth_routes();    // routes_auth.cpp: /api/session, /api/setup, log in and out, passwords
    void config_routes();  // routes_setup.cpp: catalog, config, its versions, restore
    void action_routes();  // routes_setup.cpp: test buttons, scan, override
    void data_routes();    // routes_data.cpp: events, history (JSON, signals, CSV)
    void asset_routes();   // server.cpp: the page's files; last, as it matches every path

    // Connections closed to keep the page up (routes_status.cpp): a log line and an event.
    void report_closing(const ClosedConnections& since_last);

    // Handlers of routes_auth.cpp.
    void first_setup(const httplib::Request& req, httplib::Response& res);
    // True for the right setup code; otherwise answers 403/409/429 and returns false.
    bool setup_code_accepted(const httplib::Request& req, const std::string& given,
                             httplib::Response& res);
    void login(const httplib::Request& req, httplib::Response& res);
    void change_password(const httplib::Request& req, httplib::Response& res);
    // What every set-up route needs: the admin, a config file and the site behind it; otherwise
    // answers and returns false.
    bool setup_ready(const httplib::Request& req, httplib::Response& res, bool write);
    // Validates text with the loader `check` uses; saves, applies, and answers.
    void save_and_apply(const std::string& text, const std::string& note, httplib::Response& res);
    // A "test" button: the item in `field` validated as the loader would, as one of `list`, then
    // read once.
    void test_item(const std::string& list, const std::string& field, const httplib::Request& req,
                   httplib::Response& res);
    void set_override(const httplib::Request& req, httplib::Response& res);
    // The journal, when the request may read it; otherwise answers and returns nullptr.
    journal::Journal* readable_journal(const httplib::Request& req, httplib::Response& res);

    // The session of the request when it has at least `role`; otherwise answers 401/403.
    std::optional<Session> require(const httplib::Request& req, httplib::Response& res,
                                   bool admin, bool write);

    const loop::StatusBoard& board_;
    const Clock& clock_;
    WebOptions options_;
    std::unique_ptr<Auth> auth_;
    std::unique_ptr<SetupCode> setup_code_;  // nullptr: the admin password was set before start
    std::unique_ptr<ConfigStore> store_;
    std::unique_ptr<GuardedServer> server_;
    std::thread thread_;
    int port_ = 0;
};

// Splits "host:port"; nullopt when malformed.
std::optional<std::pair<std::string, int>> parse_listen(const std::string& listen);

}  // namespace hashsink::web
