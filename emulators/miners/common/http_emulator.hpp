// The plumbing every HTTP miner emulator shares: a loopback httplib server on its own thread,
// request counts, and the faults tests inject (latency, HTTP 500, malformed bodies, writes that
// are acknowledged but ignored, requests held unanswered, the port going away, a reboot with
// downtime, a reboot in the middle of a write).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <thread>

#include "daemon/core/result.hpp"
#include "emulators/miners/common/downtime.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "emulators/miners/common/listen.hpp"

namespace httplib {
class Server;
struct Request;
struct Response;
}

namespace hashsink::miners::emu {

using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

// The token of an `Authorization: Bearer <token>` header, or the raw header when it has no
// scheme (some firmware take it bare).
std::string bearer_token(const httplib::Request& req);

// Thread-safe: fault setters and getters may be called from any thread while it serves.
// A derived class registers its routes in routes() and must call stop() in its destructor
// (handlers use its members).
class HttpEmulator {
public:
    // What routes() registers with. Each handler runs behind the injected HTTP 500 inside the
    // route, after httplib has read the request body: answering before routing would leave an
    // unread body in a keep-alive stream and garble the client's next request.
    class Routes {
    public:
        Routes(httplib::Server& server, HttpEmulator& owner) : server_(server), owner_(owner) {}
        void get(const std::string& path, Handler h);
        void post(const std::string& path, Handler h);
        void put(const std::string& path, Handler h);
        void patch(const std::string& path, Handler h);
        httplib::Server& server() { return server_; }   // for default headers and the like

    private:
        Handler with_faults(Handler h) const;
        httplib::Server& server_;
        HttpEmulator& owner_;
    };

    // `clock`: what the device's modelled delays run on (null: the steady clock).
    HttpEmulator(std::string name, const Listen& listen, SharedClock clock);
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
    // Every request is read and then held without an answer (a device whose TCP stack accepts
    // while its firmware hangs) until cleared; held requests then answer.
    void set_unresponsive(bool on);
    // The next write (POST, PUT, PATCH) is not carried out: its reply stops after the headers,
    // the connection drops, and the device reboots with `downtime` (as reboot(downtime)).
    void reboot_on_next_write(std::chrono::milliseconds downtime);
    // Calls on_reboot(). With a downtime the port is closed first and listens again once the
    // downtime has passed on the emulator's clock (asynchronously); without one the restart is
    // quicker than any poll and the port stays open.
    void reboot(std::chrono::milliseconds downtime = std::chrono::milliseconds{0});

    std::size_t request_count(const std::string& method, const std::string& path) const;
    void reset_request_counts();

protected:
    virtual void routes(Routes& routes) = 0;
    virtual Status check_config() const { return Status::success(); }   // start() refuses on error
    virtual void on_reboot() {}              // forget RAM-only state
    const EmulatorClock& clock() const { return *clock_; }
    bool malformed() const { return malformed_; }
    bool ignore_writes() const { return ignore_writes_; }
    // Takes a request back out of the counts (an auth challenge is not a real request).
    void uncount(const std::string& method, const std::string& path);
    // Answers `body` as application/json, cut to half its length when malformed JSON is on.
    void send_json(httplib::Response& res, std::string body) const;
    void send_json(httplib::Response& res, const nlohmann::ordered_json& j) const;

private:
    Status listen_locked(int port);
    void close_locked();
    // The reboot a write asked for, if one is armed: its reply is cut after the headers.
    bool reboot_for_write(const httplib::Request& req, httplib::Response& res);
    void join_rebooter();

    std::string name_;
    std::string bind_;
    int configured_port_ = 0;
    SharedClock clock_;

    mutable std::mutex counts_mutex_;
    std::map<std::string, std::size_t> counts_;

    std::mutex server_mutex_;  // server_, thread_
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    Downtime downtime_{*clock_, [this](bool off) { set_offline(off); }, [this] { on_reboot(); }};
    std::atomic<int> port_{0};
    std::atomic<bool> serving_{false};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> offline_{false};
    std::atomic<int> latency_ms_{0};
    std::atomic<bool> http_500_{false};
    std::atomic<bool> malformed_{false};
    std::atomic<bool> ignore_writes_{false};
    std::atomic<bool> unresponsive_{false};
    std::atomic<long long> reboot_on_write_ms_{-1};  // -1: not armed
    std::mutex rebooter_mutex_;                      // rebooter_
    std::thread rebooter_;  // runs a reboot a request asked for, off the server's threads
};

}  // namespace hashsink::miners::emu
