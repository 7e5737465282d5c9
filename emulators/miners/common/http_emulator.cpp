#include "emulators/miners/common/http_emulator.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

namespace hashsink::miners::emu {

using SteadyClock = std::chrono::steady_clock;

std::string bearer_token(const httplib::Request& req) {
    std::string token = req.get_header_value("Authorization");
    if (token.rfind("Bearer ", 0) == 0) token.erase(0, 7);
    return token;
}

Handler HttpEmulator::Routes::with_faults(Handler h) const {
    // The table lives only while routes() runs; the handlers hold the emulator itself.
    return
        [owner = &owner_, h = std::move(h)](const httplib::Request& req, httplib::Response& res) {
            if (owner->reboot_for_write(req, res)) return;
            if (owner->http_500_) {
                res.status = 500;
                res.set_content("Internal Server Error", "text/plain");
                return;
            }
            h(req, res);
        };
}

void HttpEmulator::Routes::get(const std::string& path, Handler h) {
    server_.Get(path, with_faults(std::move(h)));
}
void HttpEmulator::Routes::post(const std::string& path, Handler h) {
    server_.Post(path, with_faults(std::move(h)));
}
void HttpEmulator::Routes::put(const std::string& path, Handler h) {
    server_.Put(path, with_faults(std::move(h)));
}
void HttpEmulator::Routes::patch(const std::string& path, Handler h) {
    server_.Patch(path, with_faults(std::move(h)));
}

HttpEmulator::HttpEmulator(std::string name, const Listen& listen, SharedClock clock)
    : name_(std::move(name)),
      bind_(listen.bind),
      configured_port_(listen.port),
      clock_(clock_or_steady(std::move(clock))) {}

HttpEmulator::~HttpEmulator() { stop(); }

std::string HttpEmulator::url() const {
    return "http://" + bind_ + ":" + std::to_string(port_.load());
}

Status HttpEmulator::listen_locked(int port) {
    stopping_ = false;
    auto svr = std::make_unique<httplib::Server>();
    svr->set_keep_alive_timeout(1);   // so stop() does not wait on idle keep-alive peers
    svr->set_payload_max_length(64 * 1024);
    svr->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response&) {
        {
            std::lock_guard lock(counts_mutex_);
            ++counts_[req.method + " " + req.path];
        }
        // Latency (and a hang) in small steps so stop() is not held up by a sleeping handler.
        const auto until = SteadyClock::now() + std::chrono::milliseconds(latency_ms_.load());
        while ((SteadyClock::now() < until || unresponsive_) && !stopping_)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return httplib::Server::HandlerResponse::Unhandled;
    });
    Routes table(*svr, *this);
    routes(table);
    int bound = port;
    if (port == 0) {
        bound = svr->bind_to_any_port(bind_);
    } else {
        bool ok = false;
        // The port may be in TIME_WAIT for a moment after going offline.
        for (int attempt = 0; attempt < 50 && !ok; ++attempt) {
            ok = svr->bind_to_port(bind_, port);
            if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (!ok) bound = -1;
    }
    if (bound <= 0) {
        return Status::error(ErrorCode::io,
                             name_ + " emulator: bind " + bind_ + ":" + std::to_string(port) +
                                 ": address unavailable",
                             false);
    }
    port_ = bound;
    server_ = std::move(svr);
    thread_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
    const auto deadline = SteadyClock::now() + std::chrono::seconds(5);
    while (!server_->is_running() && SteadyClock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    serving_ = true;
    return Status::success();
}

void HttpEmulator::close_locked() {
    if (!server_) return;
    stopping_ = true;
    server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
    serving_ = false;
}

Status HttpEmulator::start() {
    if (auto checked = check_config(); !checked) return checked;
    std::lock_guard lock(server_mutex_);
    if (server_) return Status::success();
    offline_ = false;
    downtime_.resume();
    return listen_locked(port_ > 0 ? port_.load() : configured_port_);
}

void HttpEmulator::stop() {
    join_rebooter();     // a reboot under way finishes going offline first
    downtime_.cancel();  // a pending reboot does not listen again
    std::lock_guard lock(server_mutex_);
    close_locked();
}

void HttpEmulator::set_latency_ms(int ms) { latency_ms_ = std::max(0, ms); }
void HttpEmulator::set_http_500(bool on) { http_500_ = on; }
void HttpEmulator::set_malformed_json(bool on) { malformed_ = on; }
void HttpEmulator::set_ignore_writes(bool on) { ignore_writes_ = on; }
void HttpEmulator::set_unresponsive(bool on) { unresponsive_ = on; }

void HttpEmulator::reboot_on_next_write(std::chrono::milliseconds downtime) {
    reboot_on_write_ms_ = std::max<long long>(0, downtime.count());
}

bool HttpEmulator::reboot_for_write(const httplib::Request& req, httplib::Response& res) {
    if (req.method == "GET" || reboot_on_write_ms_ < 0) return false;
    const long long downtime_ms = reboot_on_write_ms_.exchange(-1);
    if (downtime_ms < 0) return false;
    // Headers promise a body that never comes: the client sees the connection drop.
    res.set_content_provider(64, "application/json",
                             [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
    // Closing the port joins the server's threads, so it cannot run on this one.
    join_rebooter();
    std::lock_guard lock(rebooter_mutex_);
    rebooter_ =
        std::thread([this, downtime_ms] { reboot(std::chrono::milliseconds(downtime_ms)); });
    return true;
}

void HttpEmulator::join_rebooter() {
    std::thread running;
    {
        std::lock_guard lock(rebooter_mutex_);
        running = std::move(rebooter_);
    }
    if (running.joinable()) running.join();
}

void HttpEmulator::set_offline(bool on) {
    std::lock_guard lock(server_mutex_);
    if (on == offline_) return;
    offline_ = on;
    if (on) {
        close_locked();
    } else if (port_ > 0) {
        listen_locked(port_);
    }
}

void HttpEmulator::reboot(std::chrono::milliseconds downtime) {
    if (downtime.count() <= 0) {
        on_reboot();
        return;
    }
    downtime_.begin(downtime);
}

std::size_t HttpEmulator::request_count(const std::string& method,
                                        const std::string& path) const {
    std::lock_guard lock(counts_mutex_);
    auto it = counts_.find(method + " " + path);
    return it == counts_.end() ? 0 : it->second;
}

void HttpEmulator::uncount(const std::string& method, const std::string& path) {
    std::lock_guard lock(counts_mutex_);
    auto it = counts_.find(method + " " + path);
    if (it != counts_.end() && it->second > 0) --it->second;
}

void HttpEmulator::reset_request_counts() {
    std::lock_guard lock(counts_mutex_);
    counts_.clear();
}

void HttpEmulator::send_json(httplib::Response& res, std::string body) const {
    if (malformed_) body = body.substr(0, body.size() / 2);
    res.set_content(body, "application/json");
}

void HttpEmulator::send_json(httplib::Response& res, const nlohmann::ordered_json& j) const {
    send_json(res, j.dump());
}

}  // namespace hashsink::miners::emu
