// An emulated Vnish miner (Antminer S19 on Vnish): the REST API /api/v1 on a loopback port with
// unlock tokens, API keys, presets (only tuned ones take effect), mining stop/start, throttle
// (1.3.x), simple physics and fault injection.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "daemon/core/result.hpp"

namespace httplib {
class Server;
}

namespace hashsink::miners::vnish {

struct EmulatorConfig {
    std::string bind = "127.0.0.1";
    int port = 0;
    std::string password = "admin";
    std::string api_key;                 // accepted in x-api-key when not empty
    std::string version = "1.3.4";       // < 1.3: no /mining/throttle
    double lag_s = 3.0;
};

class VnishEmulator {
public:
    explicit VnishEmulator(EmulatorConfig config = {});
    ~VnishEmulator();
    VnishEmulator(const VnishEmulator&) = delete;
    VnishEmulator& operator=(const VnishEmulator&) = delete;

    Status start();
    void stop();
    int port() const { return port_; }
    std::string url() const;

    std::string preset() const;
    bool mining() const;
    int throttle_pct() const;
    double power_w() const;
    int unlocks() const;

    void set_latency_ms(int ms);
    void set_http_500(bool on);
    void set_malformed_json(bool on);
    void set_ignore_writes(bool on);
    void set_offline(bool on);
    void expire_tokens();
    void reboot();

private:
    std::unique_ptr<httplib::Server> make_server();
    Status listen(int port);
    void close();
    void advance();
    double target_draw_w() const;
    bool throttle_supported() const;

    EmulatorConfig config_;
    mutable std::mutex mutex_;
    std::string preset_ = "3200";
    bool mining_ = true;
    int throttle_ = 100;
    double power_w_ = 0;
    int unlocks_ = 0, token_counter_ = 0;
    std::set<std::string> tokens_;
    std::chrono::steady_clock::time_point last_{}, booted_{};

    std::mutex server_mutex_;
    std::unique_ptr<httplib::Server> server_;
    std::thread thread_;
    std::atomic<int> port_{0};
    std::atomic<bool> stopping_{false};
    std::atomic<int> latency_ms_{0};
    std::atomic<bool> http_500_{false}, malformed_{false}, ignore_writes_{false}, offline_{false};
};

}  // namespace hashsink::miners::vnish
