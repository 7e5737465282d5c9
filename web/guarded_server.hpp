// httplib's server with a connection loop of its own, so hostile clients cannot starve the page:
// every connection gets its own thread up to a cap (beyond it, the connection waiting longest for
// a request is closed), a request's head and body must arrive within a deadline and within a
// byte budget, and sockets are waited on with poll() (httplib's select() breaks past fd 1024).
// The Debian library is compiled, so its CPPHTTPLIB_* macros cannot be changed here; this uses
// only what its header exposes (a virtual per-connection function, process_request, TaskQueue).
// Numbers and what they were tested with: docs/web.md, "Hostile clients".
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

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

// Connections the server closed on its own before answering them, by cause.
struct ClosedConnections {
    std::uint64_t to_make_room = 0;  // waiting longest on its client when one past the cap came
    std::uint64_t too_slow = 0;      // its request not in by the deadline or the read timeout
    std::uint64_t too_large = 0;     // its head or body over the byte budget (or 413, 414, 431)
    std::uint64_t unreadable =
        0;  // answered 400 or 411: a request line or length it could not read
    std::uint64_t total() const { return to_make_room + too_slow + too_large + unreadable; }
};

class ConnectionPool;

class GuardedServer : public httplib::Server {
public:
    explicit GuardedServer(ConnectionLimits limits = {});
    ~GuardedServer() override;
    // Call after binding: re-listens with limits.listen_backlog.
    void widen_backlog();

    const ConnectionLimits& limits() const { return limits_; }
    // Since start; safe from any thread.
    ClosedConnections closed() const;
    std::size_t open_connections() const { return open_.load(); }
    // Called when the server closes a connection on its own after a quiet minute, then at most
    // once a minute while it goes on, with what it closed since the last call (so a crowd is
    // told once, not once per connection). From a connection's or the listener's thread.
    void on_closing(std::function<void(const ClosedConnections& since_last)> report) {
        report_ = std::move(report);
    }

private:
    bool process_and_close_socket(socket_t sock) override;
    void count_closed(std::atomic<std::uint64_t>& cause);

    ConnectionLimits limits_;
    ConnectionPool* pool_ = nullptr;  // the running listen's; httplib owns and deletes it
    std::atomic<std::size_t> open_{0};
    std::atomic<std::uint64_t> to_make_room_{0}, too_slow_{0}, too_large_{0}, unreadable_{0};
    std::function<void(const ClosedConnections&)> report_;
    std::mutex report_mu_;
    std::chrono::steady_clock::time_point last_report_{};
    ClosedConnections reported_;  // the totals at the last report
};

}  // namespace hashsink::web
