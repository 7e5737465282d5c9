// httplib's server with a connection loop of its own, so hostile clients cannot starve the page:
// every connection gets its own thread up to a cap (beyond it, the connection waiting longest for
// a request is closed), a request's head and body must arrive within a deadline and within a
// byte budget, and sockets are waited on with poll() (httplib's select() breaks past fd 1024).
// The Debian library is compiled, so its CPPHTTPLIB_* macros cannot be changed here; this uses
// only what its header exposes (a virtual per-connection function, process_request, TaskQueue).
// Numbers and what they were tested with: docs/web.md, "Hostile clients".
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <memory>

namespace hashsink::web {

struct ConnectionLimits {
    // Connections served at once, one thread each; one more closes the one idle longest.
    std::size_t max_connections = 128;
    // From a request's first byte, its head and body must be in within this.
    std::chrono::seconds request_deadline{10};
    // The request line and headers together (httplib's own limit is 8 KiB per line only).
    std::size_t max_head_bytes = std::size_t{64} * 1024;
    // Pending connections the kernel queues before accept (httplib's compiled value is 5).
    int listen_backlog = 128;
};

class ConnectionPool;

class GuardedServer : public httplib::Server {
public:
    explicit GuardedServer(ConnectionLimits limits = {});
    ~GuardedServer() override;
    // Call after binding: re-listens with limits.listen_backlog.
    void widen_backlog();

private:
    bool process_and_close_socket(socket_t sock) override;

    ConnectionLimits limits_;
    ConnectionPool* pool_ = nullptr;  // the running listen's; httplib owns and deletes it
};

}  // namespace hashsink::web
