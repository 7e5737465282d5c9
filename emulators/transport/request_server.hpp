// What the emulators' request/reply servers share: a TcpServer whose connections are each read
// as one request by the protocol (derived class), answered by a handler, and closed.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "daemon/core/result.hpp"
#include "emulators/transport/tcp_server.hpp"

namespace hashsink::transport {

class RequestServer {
public:
    // Returns the reply text, or nullopt to close the connection without replying. Called on
    // the server thread.
    using Handler = std::function<std::optional<std::string>(const std::string& request)>;

    RequestServer() = default;
    virtual ~RequestServer() = default;  // derived classes call stop() in theirs
    RequestServer(const RequestServer&) = delete;
    RequestServer& operator=(const RequestServer&) = delete;

    // Binds bind:port (0 picks a free port; a busy fixed port is retried for ~1 s, for
    // TIME_WAIT after a restart) and serves on a background thread.
    Status start(const std::string& bind, int port, Handler handler);
    void stop() { server_.stop(); }  // closes the listener and joins; safe to call twice
    bool running() const { return server_.running(); }
    int port() const { return server_.port(); }
    // True while stop() is in progress: handlers that sleep should return early.
    bool stopping() const { return server_.stopping(); }

protected:
    // Reads one request from fd and writes the reply to it.
    virtual void handle(int fd) = 0;
    // The handler's reply to `request`, or `failure` when it throws.
    std::optional<std::string> answer(const std::string& request, const char* failure) const;

private:
    Handler handler_;
    TcpServer server_;  // last: its thread stops before the handler goes
};

}  // namespace hashsink::transport
