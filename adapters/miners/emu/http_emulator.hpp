// The plumbing every HTTP miner emulator shares: a loopback httplib server on its own thread,
// request counts, and the faults tests inject (latency, HTTP 500, malformed bodies, writes that
// are acknowledged but ignored, the port going away, a reboot with downtime).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "daemon/core/result.hpp"

namespace httplib {
class Server;
}

namespace hashsink::miners::emu {

// Thread-safe: fault setters and getters may be called from any thread while it serves.
// A derived class registers its routes in routes() and must call stop() in its destructor
// (handlers use its members).
class HttpEmulator {
public:
    HttpEmulator(std::string name, std::string bind, int port);
    virtual ~HttpEmulator();
    HttpEmulator(const HttpEmulator&) = delete;
    HttpEmulator& operator=(const HttpEmulator&) = delete;

    Status start();      // binds (port 0: a free one) and serves on a background thread
    void stop();         // closes the port and joins the threads
    bool running() const { return serving_; }
    int port() const { return port_; }
    std::string url() const;   // http://<bind>:<port>

    void set_latency_ms(int ms);             // added before each response
    void set_http_500(bool on);              // every request answers 500
    void set_malformed_json(bool on);        // bodies cut short (derived classes honour it)
    void set_ignore_writes(bool on);         // writes answer success and change nothing
    void set_offline(bool on);               // closes the port; false listens again
    // Closes the port for `downtime`, calls on_reboot(), then listens again (asynchronously).
    void reboot(std::chrono::milliseconds downtime = std::chrono::milliseconds{0});

    std::size_t request_count(const std::string& method, const std::string& path) const;
    void reset_request_counts();

protected:
    virtual void routes(httplib::Server& server) = 0;
    virtual void on_reboot() {}              // forget RAM-only state
    bool malformed() const { return malformed_; }
    bool ignore_writes() const { return ignore_writes_; }
    // Takes a request back out of the counts (an auth challenge is not a real request).
    void uncount(const std::string& method, const std::string& path);
    // Truncates a body to half its length when malformed JSON is on.
    std::string maybe_malformed(std::string body) const;

private:
    Status listen_locked(int port);
    void close_locked();

    std::string name_;
    std::string bind_;
    int configured_port_ = 0;

    mutable std::mutex counts_mutex_;
    std::map<std::string, std::size_t> counts_;

    std::mutex server_mutex_;   // server_, thread_, reboot_thread_
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    std::thread reboot_thread_;
    std::atomic<int> port_{0};
    std::atomic<bool> serving_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> offline_{false};
    std::atomic<bool> shutdown_{false};   // stop() called: a pending reboot does not relisten
    std::atomic<int> latency_ms_{0};
    std::atomic<bool> http_500_{false};
    std::atomic<bool> malformed_{false};
    std::atomic<bool> ignore_writes_{false};
};

}  // namespace hashsink::miners::emu
