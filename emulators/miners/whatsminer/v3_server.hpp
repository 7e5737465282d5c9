// The emulator's side of Whatsminer API v3 (adapters/miners/whatsminer/v3_link.hpp has the
// framing and the driver's client): serves framed requests on a background thread, one
// connection at a time.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "daemon/core/result.hpp"
#include "emulators/transport/tcp_server.hpp"

namespace hashsink::miners::whatsminer {

class V3Server {
public:
    // The reply text (framed by the server), or nullopt to close without answering.
    using Handler = std::function<std::optional<std::string>(const std::string& request)>;

    V3Server() = default;
    ~V3Server();
    V3Server(const V3Server&) = delete;
    V3Server& operator=(const V3Server&) = delete;

    Status start(const std::string& bind, int port, Handler handler);
    void stop() { server_.stop(); }
    int port() const { return server_.port(); }

private:
    void handle(int fd);

    Handler handler_;
    transport::TcpServer server_;  // last: its thread stops before the handler goes
};

}  // namespace hashsink::miners::whatsminer
