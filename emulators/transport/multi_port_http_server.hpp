// One HTTP/1.1 responder for many emulated devices, each on its own loopback port: one thread,
// one epoll set, non-blocking accept, read and write, keep-alive. The per-device emulators
// (httplib: one server, a thread pool and a select/poll loop per port) cannot serve a fleet of
// thousands from one process; this serves 10,000 ports with one thread. It speaks only what a
// device API client needs: a request line, headers, a Content-Length body (no chunked bodies),
// one reply at a time per connection; a connection idle for `idle_timeout` is closed, like the
// emulators' httplib servers (1 s) and the firmware's own small socket pools.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/result.hpp"

namespace hashsink::transport {

struct HttpRequestLine {
    std::string method;
    std::string path;  // without the query
    std::string body;
};

struct HttpReply {
    int status = 200;
    std::string content_type = "application/json";  // empty: no Content-Type header
    std::string body;
};

class MultiPortHttpServer {
public:
    // The reply of device `index` (in the order of the ports) to a request; called on the
    // server thread.
    using Handler = std::function<HttpReply(std::size_t index, const HttpRequestLine& request)>;

    struct Options {
        std::string bind = "127.0.0.1";
        std::chrono::milliseconds idle_timeout{1000};
        std::size_t max_request_bytes = 64 * 1024;  // larger: 413 and the connection closes
    };

    MultiPortHttpServer();
    ~MultiPortHttpServer();  // stops
    MultiPortHttpServer(const MultiPortHttpServer&) = delete;
    MultiPortHttpServer& operator=(const MultiPortHttpServer&) = delete;

    // Listens on `count` free ports and serves on a background thread. Fails (and listens on
    // nothing) when a port cannot be had, e.g. past the process's open-file limit.
    Status start(std::size_t count, Handler handler, Options options);
    Status start(std::size_t count, Handler handler) {
        return start(count, std::move(handler), {});
    }
    void stop();  // closes every socket and joins; safe to call twice
    const std::vector<int>& ports() const { return ports_; }
    std::string url(std::size_t index) const;

    std::uint64_t requests() const { return requests_; }  // answered since start
    std::size_t open_connections() const { return open_connections_; }

private:
    struct Connection;
    void serve();
    void accept_all(std::size_t index);
    void on_readable(Connection& c);
    void on_writable(Connection& c);
    void close_connection(Connection& c);
    void close_idle(std::chrono::steady_clock::time_point now);
    bool answer_buffered(Connection& c);  // false: the connection was closed

    Handler handler_;
    Options options_;
    std::vector<int> listen_fds_;
    std::vector<int> ports_;
    std::vector<std::unique_ptr<Connection>> connections_;  // by fd, server thread only
    std::vector<std::unique_ptr<Connection>> closed_;       // closed in this round, freed after it
    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<std::size_t> open_connections_{0};
};

}  // namespace hashsink::transport
