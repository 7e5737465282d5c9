// Raw loopback clients for the web server's hostile-client tests: sockets held idle, requests
// sent one byte at a time, oversized heads and bodies. Every wait is bounded; poll() only (a
// process with a thousand sockets has descriptors past select()'s 1024).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace hashsink::test {

// A blocking TCP connection to 127.0.0.1:port (connect bounded by `timeout`); -1 on failure.
int connect_loopback(int port, std::chrono::milliseconds timeout);

// Sends `head` (and `body_bytes` of filler after it, as one body or as chunks when `chunked`),
// stopping early when the server answers or closes; then waits for the answer.
struct Exchange {
    int status = -1;            // the answer's status; -1: none (closed or timed out)
    bool closed = false;        // the server closed the connection
    std::size_t body_sent = 0;  // body bytes the server took before it answered or closed
    std::chrono::milliseconds took{};
};
Exchange exchange(int port, const std::string& head, std::size_t body_bytes, bool chunked,
                  std::chrono::milliseconds timeout);

// GET `path` with Connection: close; the status, or -1 when no answer came within `timeout`.
Exchange timed_get(int port, const std::string& path, std::chrono::milliseconds timeout);

// `count` connections to port. With `drip`, each sends a request head one byte per `every`,
// never finishing it; without, they stay silent. Closed on destruction.
class HeldConnections {
public:
    HeldConnections(int port, int count, bool drip,
                    std::chrono::milliseconds every = std::chrono::seconds(1));
    ~HeldConnections();
    HeldConnections(const HeldConnections&) = delete;
    HeldConnections& operator=(const HeldConnections&) = delete;
    int opened() const { return static_cast<int>(fds_.size()); }
    // How many the server has closed (a read sees EOF or an error).
    int closed_by_server() const;

private:
    void drip_loop(std::chrono::milliseconds every);
    std::vector<int> fds_;
    std::atomic<bool> stop_{false};
    std::thread dripper_;
};

}  // namespace hashsink::test
