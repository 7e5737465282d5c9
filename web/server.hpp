// The local web server: the status page and its JSON API.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "daemon/core/result.hpp"
#include "daemon/loop/status.hpp"

namespace httplib {
class Server;
}

namespace hashsink::web {

class WebServer {
public:
    // listen: "host:port" (port 0 picks a free one).
    WebServer(const loop::StatusBoard& board, const Clock& clock);
    ~WebServer();
    WebServer(const WebServer&) = delete;
    WebServer& operator=(const WebServer&) = delete;

    Status start(const std::string& listen);
    void stop();
    int port() const { return port_; }

private:
    const loop::StatusBoard& board_;
    const Clock& clock_;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    int port_ = 0;
};

// Splits "host:port"; nullopt when malformed.
std::optional<std::pair<std::string, int>> parse_listen(const std::string& listen);

}  // namespace hashsink::web
