// A loopback server for the cgminer-style 4028 protocol, for emulators: one request per
// connection, the handler's reply is sent followed by a NUL, then the socket is closed.
// Requests are served one at a time, as cgminer's API thread does.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "emulators/transport/tcp_server.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::transport {

class CgminerServer {
public:
    // Returns the reply text (the NUL is added unless append_nul is false), or nullopt to close
    // the connection without replying. Called on the server thread.
    using Handler = std::function<std::optional<std::string>(const std::string& request)>;

    CgminerServer() = default;
    ~CgminerServer();   // stops
    CgminerServer(const CgminerServer&) = delete;
    CgminerServer& operator=(const CgminerServer&) = delete;

    // Binds bind:port (0 picks a free port; a busy fixed port is retried for ~1 s, for
    // TIME_WAIT after a restart) and serves on a background thread.
    Status start(const std::string& bind, int port, Handler handler);
    void stop() { server_.stop(); }   // closes the listener and joins; safe to call twice
    bool running() const { return server_.running(); }
    int port() const { return server_.port(); }
    // True while stop() is in progress: handlers that sleep should return early.
    bool stopping() const { return server_.stopping(); }
    void set_append_nul(bool on) { append_nul_ = on; }

private:
    void handle(int fd);

    Handler handler_;
    std::atomic<bool> append_nul_{true};
    TcpServer server_;   // last: its thread stops before the handler goes
};

}  // namespace hashsink::transport
