// A loopback TCP server for emulators: accepts on a background thread and hands each connection
// to a handler, one at a time (as the firmwares' API threads do); the socket is closed after.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/core/result.hpp"

namespace hashsink::transport {

class TcpServer {
public:
    // Serves one accepted connection (reads, replies); called on the server thread.
    using ConnectionHandler = std::function<void(int fd)>;

    TcpServer() = default;
    ~TcpServer();   // stops
    TcpServer(const TcpServer&) = delete;
    TcpServer& operator=(const TcpServer&) = delete;

    // Binds bind:port (0 picks a free port; a busy fixed port is retried for ~1 s, for
    // TIME_WAIT after a restart) and serves on a background thread.
    Status start(const std::string& bind, int port, ConnectionHandler handler);
    void stop();   // wakes the accept loop, joins and closes the listener; safe to call twice
    bool running() const { return running_; }
    int port() const { return port_; }
    // True while stop() is in progress: handlers that wait should return early.
    bool stopping() const { return stopping_; }

private:
    void serve();

    std::mutex mutex_;
    ConnectionHandler handler_;
    std::thread thread_;
    int listen_fd_ = -1;
    int wake_fd_[2] = {-1, -1};
    std::atomic<int> port_{0};
    std::atomic<bool> running_{false};
    std::atomic<bool> stopping_{false};
};

}  // namespace hashsink::transport
