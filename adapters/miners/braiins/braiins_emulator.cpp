#include "adapters/miners/braiins/braiins_emulator.hpp"

#include <httplib.h>

#include <algorithm>
#include <functional>
#include <cmath>

#include <nlohmann/json.hpp>

#include "adapters/miners/braiins/braiins_codec.hpp"

namespace hashsink::miners::braiins {
namespace {

using SteadyClock = std::chrono::steady_clock;
using ordered_json = nlohmann::ordered_json;

// S21 Pro figures from the recorded bodies: 234 TH/s sticker, 3500 W default target.
constexpr double kMinW = 1600, kDefaultW = 3500, kMaxW = 4400, kStickerGhs = 234000;

ordered_json ghs(double v) { return {{"gigahash_per_second", v}}; }

}  // namespace

BraiinsEmulator::BraiinsEmulator(EmulatorConfig config) : config_(std::move(config)) {
    last_ = booted_ = SteadyClock::now();
    power_w_ = target_draw_w();
}

BraiinsEmulator::~BraiinsEmulator() { stop(); }

double BraiinsEmulator::target_draw_w() const {
    return paused_ ? idle_power_estimate_w(kDefaultW) : target_w_ * 0.995;
}

void BraiinsEmulator::advance() {
    const auto now = SteadyClock::now();
    const double dt = std::chrono::duration<double>(now - last_).count();
    if (dt <= 0) return;
    last_ = now;
    const double a = config_.lag_s <= 0 ? 1.0 : 1.0 - std::exp(-dt / config_.lag_s);
    power_w_ += (target_draw_w() - power_w_) * a;
}

std::unique_ptr<httplib::Server> BraiinsEmulator::make_server() {
    auto svr = std::make_unique<httplib::Server>();
    svr->set_keep_alive_timeout(1);
    svr->set_payload_max_length(64 * 1024);

    svr->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
        {
            std::lock_guard lock(mutex_);
            ++counts_[req.method + " " + req.path];
        }
        const auto until = SteadyClock::now() + std::chrono::milliseconds(latency_ms_.load());
        while (SteadyClock::now() < until && !stopping_)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return httplib::Server::HandlerResponse::Unhandled;
    });

    // Faults and the token check inside the route, after httplib has read the body: a request
    // answered from the pre-routing handler leaves its body in a keep-alive stream.
    using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
    auto guard = [this](Handler h, bool needs_auth = true) -> Handler {
        return [this, h, needs_auth](const httplib::Request& req, httplib::Response& res) {
            if (http_500_) {
                res.status = 500;
                res.set_content(R"({"message":"internal error"})", "application/json");
                return;
            }
            if (needs_auth) {
                // Raw or "Bearer <token>"; each request refreshes its validity.
                std::string token = req.get_header_value("Authorization");
                if (token.rfind("Bearer ", 0) == 0) token = token.substr(7);
                std::lock_guard lock(mutex_);
                auto it = tokens_.find(token);
                const auto now = SteadyClock::now();
                if (it == tokens_.end() ||
                    now - it->second > std::chrono::seconds(config_.token_timeout_s)) {
                    if (it != tokens_.end()) tokens_.erase(it);
                    res.status = 401;
                    res.set_content(R"({"message":"Unauthorized"})", "application/json");
                    return;
                }
                it->second = now;
            }
            h(req, res);
        };
    };

    auto json_reply = [this](httplib::Response& res, const ordered_json& j) {
        std::string body = j.dump();
        if (malformed_) body = body.substr(0, body.size() / 2);
        res.set_content(body, "application/json");
    };

    svr->Get("/", guard([](const httplib::Request&, httplib::Response& res) {
        res.set_content("<!doctype html><html><head><title>Braiins OS</title></head>"
                        "<body>Braiins OS</body></html>", "text/html");
    }, false));
    svr->Get("/api/v1/version/", guard([json_reply](const httplib::Request&, httplib::Response& res) {
        json_reply(res, {{"major", 1}, {"minor", 3}, {"patch", 0}});
    }, false));
    svr->Post("/api/v1/auth/login", guard([this](const httplib::Request& req, httplib::Response& res) {
        auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (!body.is_object() || body.value("username", "") != config_.username ||
            body.value("password", "") != config_.password) {
            res.status = 401;
            res.set_content(R"({"message":"Invalid credentials"})", "application/json");
            return;
        }
        std::lock_guard lock(mutex_);
        ++logins_;
        std::string token = "tok" + std::to_string(++token_counter_) + "Z" +
                            std::to_string(SteadyClock::now().time_since_epoch().count() % 997);
        tokens_[token] = SteadyClock::now();
        res.set_content(ordered_json{{"token", token}, {"timeout_s", config_.token_timeout_s}}.dump(),
                        "application/json");
    }, false));
    svr->Get("/api/v1/miner/details", guard([this, json_reply](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        const auto up = static_cast<long>(std::chrono::duration<double>(SteadyClock::now() - booted_).count());
        json_reply(res, {{"bos_mode", 4},
                         {"bos_version", {{"bos_plus", true}, {"current", "2026-04-14-0-912d084c-26.04-plus"}}},
                         {"bosminer_uptime_s", up}, {"hostname", "emulated-bos"},
                         {"miner_identity", {{"brand", 1}, {"miner_model", "Antminer S21 Pro"},
                                             {"model", 0}, {"name", "Antminer S21 Pro"}}},
                         {"status", paused_ ? 3 : 2},
                         {"sticker_hashrate", ghs(kStickerGhs)}, {"system_uptime_s", up}});
    }));
    svr->Get("/api/v1/configuration/constraints", guard([json_reply](const httplib::Request&, httplib::Response& res) {
        json_reply(res, {{"tuner_constraints",
                          {{"default_mode", 1},
                           {"power_target", {{"default", {{"watt", kDefaultW}}},
                                             {"max", {{"watt", kMaxW}}},
                                             {"min", {{"watt", kMinW}}}}}}}});
    }));
    svr->Get("/api/v1/miner/stats", guard([this, json_reply](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        advance();
        const double h = paused_ ? 0 : kStickerGhs * 1.08 * std::pow(std::max(0.0, power_w_) / kDefaultW, 0.85);
        ordered_json real;
        for (const char* k : {"last_15m", "last_15s", "last_1h", "last_1m", "last_30s", "last_5m", "last_5s"})
            real[k] = ghs(h);
        json_reply(res, {{"miner_stats", {{"nominal_hashrate", ghs(kStickerGhs * 1.08)}, {"real_hashrate", real}}},
                         {"power_stats", {{"approximated_consumption", {{"watt", std::lround(power_w_)}}},
                                          {"efficiency", {{"joule_per_terahash", h > 0 ? power_w_ / (h / 1000) : 0}}}}}});
    }));
    svr->Get("/api/v1/cooling/state", guard([this, json_reply](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        advance();
        const int rpm = static_cast<int>(2000 + power_w_ * 1.1);
        ordered_json fans = ordered_json::array();
        for (int i = 0; i < 4; ++i) fans.push_back({{"position", i}, {"rpm", rpm}, {"target_speed_ratio", 0.9}});
        json_reply(res, {{"fans", fans},
                         {"highest_temperature", {{"id", nullptr}, {"location", 1},
                                                  {"temperature", {{"degree_c", 30 + power_w_ / 100}}}}}});
    }));
    svr->Get("/api/v1/performance/tuner-state", guard([this, json_reply](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        json_reply(res, {{"mode_state", {{"powertargetmodestate",
                                          {{"current_target", {{"watt", std::lround(target_w_)}}},
                                           {"profile", {{"target", {{"watt", std::lround(target_w_)}}}}}}}}},
                         {"overall_tuner_state", 5}});
    }));
    svr->Get("/api/v1/miner/hw/hashboards", guard([this, json_reply](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        advance();
        ordered_json boards = ordered_json::array();
        const double f = paused_ ? 0 : 625865384.0 * std::pow(std::max(0.0, power_w_) / kDefaultW, 0.7);
        for (int i = 1; i <= 3; ++i)
            boards.push_back({{"board_temp", {{"degree_c", 25 + power_w_ / 140}}}, {"chip_type", "BM1370"},
                              {"chips_count", 65}, {"current_frequency", {{"hertz", f}}},
                              {"current_voltage", {{"volt", paused_ ? 0 : 13.74}}}, {"enabled", true},
                              {"highest_chip_temp", {{"temperature", {{"degree_c", 30 + power_w_ / 100}}}}},
                              {"id", std::to_string(i)}});
        json_reply(res, {{"hashboards", boards}});
    }));
    svr->Put("/api/v1/actions/pause", guard([this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        advance();
        const bool was = paused_;
        if (!ignore_writes_) paused_ = true;
        res.set_content(was ? "true" : "false", "application/json");
    }));
    svr->Put("/api/v1/actions/resume", guard([this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        advance();
        if (!ignore_writes_) paused_ = false;
        res.set_content("null", "application/json");
    }));
    svr->Put("/api/v1/performance/power-target", guard([this](const httplib::Request& req, httplib::Response& res) {
        auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (!body.is_object() || !body.contains("watt") || !body["watt"].is_number_integer()) {
            res.status = 400;
            res.set_content(R"({"message":"invalid body"})", "application/json");
            return;
        }
        const double w = body["watt"].get<double>();
        if (w < kMinW || w > kMaxW) {
            res.status = 400;
            res.set_content(R"({"message":"power target out of range"})", "application/json");
            return;
        }
        std::lock_guard lock(mutex_);
        advance();
        if (!ignore_writes_) target_w_ = w;
        res.set_content(ordered_json{{"watt", std::lround(w)}}.dump(), "application/json");
    }));
    return svr;
}

Status BraiinsEmulator::listen(int port) {
    stopping_ = false;
    auto svr = make_server();
    int bound = 0;
    if (port == 0) {
        bound = svr->bind_to_any_port(config_.bind);
    } else {
        for (int attempt = 0; attempt < 50 && bound <= 0; ++attempt) {
            if (svr->bind_to_port(config_.bind, port)) bound = port;
            else std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    }
    if (bound <= 0) {
        return Status::error(ErrorCode::io, "braiins emulator: bind " + config_.bind + ":" +
                                                std::to_string(port) + ": address unavailable", false);
    }
    port_ = bound;
    server_ = std::move(svr);
    thread_ = std::thread([s = server_.get()] { s->listen_after_bind(); });
    const auto deadline = SteadyClock::now() + std::chrono::seconds(5);
    while (!server_->is_running() && SteadyClock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return Status::success();
}

void BraiinsEmulator::close() {
    if (!server_) return;
    stopping_ = true;
    server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
}

Status BraiinsEmulator::start() {
    std::lock_guard lock(server_mutex_);
    if (server_) return Status::success();
    offline_ = false;
    return listen(config_.port);
}

void BraiinsEmulator::stop() {
    std::lock_guard lock(server_mutex_);
    close();
}

std::string BraiinsEmulator::url() const {
    return "http://" + config_.bind + ":" + std::to_string(port_.load());
}

double BraiinsEmulator::power_target_w() const {
    std::lock_guard lock(mutex_);
    return target_w_;
}
double BraiinsEmulator::power_w() const {
    std::lock_guard lock(mutex_);
    const_cast<BraiinsEmulator*>(this)->advance();
    return power_w_;
}
bool BraiinsEmulator::paused() const {
    std::lock_guard lock(mutex_);
    return paused_;
}
int BraiinsEmulator::logins() const {
    std::lock_guard lock(mutex_);
    return logins_;
}

void BraiinsEmulator::set_latency_ms(int ms) { latency_ms_ = std::max(0, ms); }
void BraiinsEmulator::set_http_500(bool on) { http_500_ = on; }
void BraiinsEmulator::set_malformed_json(bool on) { malformed_ = on; }
void BraiinsEmulator::set_ignore_writes(bool on) { ignore_writes_ = on; }

void BraiinsEmulator::set_offline(bool on) {
    std::lock_guard lock(server_mutex_);
    if (on == offline_) return;
    offline_ = on;
    if (on) close();
    else if (port_ > 0) listen(port_);
}

void BraiinsEmulator::expire_tokens() {
    std::lock_guard lock(mutex_);
    tokens_.clear();
}

void BraiinsEmulator::reboot() {
    std::lock_guard lock(mutex_);
    advance();
    tokens_.clear();
    power_w_ = 0;   // mid-ramp: boards off, the tuner ramps again from nothing
    booted_ = SteadyClock::now();
}

std::size_t BraiinsEmulator::request_count(const std::string& method, const std::string& path) const {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(method + " " + path);
    return it == counts_.end() ? 0 : it->second;
}

}  // namespace hashsink::miners::braiins
