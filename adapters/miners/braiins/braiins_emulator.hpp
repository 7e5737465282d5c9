// An emulated Braiins OS miner (Antminer S21 Pro on BOS 26.04): the REST API /api/v1 on a
// loopback port, answering like the recorded bodies, with login tokens that expire, the tuner's
// power target, pause/resume, simple physics and fault injection.
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

namespace hashsink::miners::braiins {

struct EmulatorConfig {
    std::string bind = "127.0.0.1";
    int port = 0;
    std::string username = "root";
    std::string password = "root";
    int token_timeout_s = 3600;      // idle validity, refreshed by each request
    double lag_s = 3.0;
};

class BraiinsEmulator {
public:
    explicit BraiinsEmulator(EmulatorConfig config = {});
    ~BraiinsEmulator();
    BraiinsEmulator(const BraiinsEmulator&) = delete;
    BraiinsEmulator& operator=(const BraiinsEmulator&) = delete;

    Status start();
    void stop();
    int port() const { return port_; }
    std::string url() const;

    double power_target_w() const;
    double power_w() const;
    bool paused() const;
    int logins() const;

    void set_latency_ms(int ms);
    void set_http_500(bool on);
    void set_malformed_json(bool on);
    void set_ignore_writes(bool on);   // 200 and the usual body, nothing changes
    void set_offline(bool on);
    void expire_tokens();              // every token is forgotten (idle timeout)
    void reboot();                     // tokens dropped, power falls to 0 and ramps again

    std::size_t request_count(const std::string& method, const std::string& path) const;

private:
    std::unique_ptr<httplib::Server> make_server();
    Status listen(int port);
    void close();
    void advance();
    double target_draw_w() const;

    EmulatorConfig config_;
    mutable std::mutex mutex_;
    double target_w_ = 3500;
    double power_w_ = 3480;
    bool paused_ = false;
    int logins_ = 0;
    int token_counter_ = 0;
    std::map<std::string, std::chrono::steady_clock::time_point> tokens_;   // token -> last use
    std::chrono::steady_clock::time_point last_{}, booted_{};
    std::map<std::string, std::size_t> counts_;

    std::mutex server_mutex_;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    std::atomic<int> port_{0};
    std::atomic<bool> stopping_{false};
    std::atomic<int> latency_ms_{0};
    std::atomic<bool> http_500_{false}, malformed_{false}, ignore_writes_{false}, offline_{false};
};

}  // namespace hashsink::miners::braiins
