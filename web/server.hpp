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
    void routes();
    void setup_routes();
    void data_routes();
    // The session of the request when it has at least `role`; otherwise answers 401/403.
    std::optional<Session> require(const httplib::Request& req, httplib::Response& res,
                                   bool admin, bool write);

    const loop::StatusBoard& board_;
    const Clock& clock_;
    WebOptions options_;
    std::unique_ptr<Auth> auth_;
    std::unique_ptr<ConfigStore> store_;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

// Splits "host:port"; nullopt when malformed.
std::optional<std::pair<std::string, int>> parse_listen(const std::string& listen);

}  // namespace hashsink::web
