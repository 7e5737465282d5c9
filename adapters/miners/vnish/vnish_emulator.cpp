#include "adapters/miners/vnish/vnish_emulator.hpp"

#include <httplib.h>

#include <algorithm>
#include <functional>
#include <cmath>

#include <nlohmann/json.hpp>

#include "adapters/miners/vnish/vnish_codec.hpp"

namespace hashsink::miners::vnish {
namespace {

using SteadyClock = std::chrono::steady_clock;
using ordered_json = nlohmann::ordered_json;

struct PresetRow {
    const char* name;
    double watts, ths;
    bool tuned;
};
// An S19 (95 TH/s stock): tuned presets take effect, untuned ones are accepted and ignored.
constexpr PresetRow kPresets[] = {
    {"1400", 1400, 58, true},  {"2000", 2000, 74, true},  {"2600", 2600, 86, true},
    {"3200", 3200, 95, true},  {"3600", 3600, 101, false},
};

const PresetRow* find_preset(const std::string& name) {
    for (const auto& p : kPresets)
        if (name == p.name) return &p;
    return nullptr;
}

}  // namespace

VnishEmulator::VnishEmulator(EmulatorConfig config) : config_(std::move(config)) {
    last_ = booted_ = SteadyClock::now();
    power_w_ = target_draw_w();
}

VnishEmulator::~VnishEmulator() { stop(); }

bool VnishEmulator::throttle_supported() const { return has_throttle(config_.version); }

double VnishEmulator::target_draw_w() const {
    const PresetRow* p = find_preset(preset_);
    if (!mining_ || p == nullptr) return idle_power_estimate_w(3200);
    return p->watts * throttle_ / 100.0;
}

void VnishEmulator::advance() {
    const auto now = SteadyClock::now();
    const double dt = std::chrono::duration<double>(now - last_).count();
    if (dt <= 0) return;
    last_ = now;
    const double a = config_.lag_s <= 0 ? 1.0 : 1.0 - std::exp(-dt / config_.lag_s);
    power_w_ += (target_draw_w() - power_w_) * a;
}

std::unique_ptr<httplib::Server> VnishEmulator::make_server() {
    auto svr = std::make_unique<httplib::Server>();
    svr->set_keep_alive_timeout(1);
    svr->set_payload_max_length(64 * 1024);

    svr->set_pre_routing_handler([this](const httplib::Request&, httplib::Response&) {
        const auto until = SteadyClock::now() + std::chrono::milliseconds(latency_ms_.load());
        while (SteadyClock::now() < until && !stopping_)
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        return httplib::Server::HandlerResponse::Unhandled;
    });

    // Faults and auth inside the route, after httplib has read the body: a request answered
    // from the pre-routing handler leaves its body in a keep-alive stream.
    using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;
    auto guard = [this](Handler h, bool needs_auth = true) -> Handler {
        return [this, h, needs_auth](const httplib::Request& req, httplib::Response& res) {
            if (http_500_) {
                res.status = 500;
                res.set_content(R"({"err":"internal error"})", "application/json");
                return;
            }
            if (needs_auth) {
                std::string auth = req.get_header_value("Authorization");
                if (auth.rfind("Bearer ", 0) == 0) auth = auth.substr(7);
                const std::string key = req.get_header_value("x-api-key");
                std::lock_guard lock(mutex_);
                if (!tokens_.count(auth) && (config_.api_key.empty() || key != config_.api_key)) {
                    res.status = 401;
                    res.set_content(R"({"err":"Unauthorized"})", "application/json");
                    return;
                }
            }
            h(req, res);
        };
    };

    auto json_reply = [this](httplib::Response& res, const ordered_json& j) {
        std::string body = j.dump();
        if (malformed_) body = body.substr(0, body.size() / 2);
        res.set_content(body, "application/json");
    };

    svr->Get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("<!doctype html><html><head><title>AnthillOS</title></head><body></body></html>",
                        "text/html");
    });
    svr->Get("/api/v1/info", guard([this, json_reply](const httplib::Request&, httplib::Response& res) {
        json_reply(res, {{"miner", "Antminer S19"}, {"model", "s19"}, {"fw_name", "Vnish"},
                         {"fw_version", config_.version}, {"platform", "xil"},
                         {"algorithm", "sha256d"}, {"hr_measure", "GH/s"}, {"serial", "N/A"}});
    }, false));
    svr->Get("/api/v1/status", guard([this, json_reply](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        json_reply(res, {{"miner_state", mining_ ? "mining" : "stopped"}, {"miner_state_time", 1},
                         {"restart_required", false}, {"reboot_required", false},
                         {"unlocked", !tokens_.empty()}});
    }, false));
    svr->Get("/api/v1/perf-summary", guard([this, json_reply](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        const PresetRow* p = find_preset(preset_);
        json_reply(res, {{"current_preset", {{"name", preset_},
                                             {"pretty", p ? std::string(p->name) + " watt" : "Disabled"},
                                             {"status", p && p->tuned ? "tuned" : "untuned"}}},
                         {"preset_switcher", {{"enabled", false}}}});
    }, false));
    svr->Post("/api/v1/unlock", guard([this](const httplib::Request& req, httplib::Response& res) {
        auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (!body.is_object() || body.value("pw", "") != config_.password) {
            res.status = 403;
            res.set_content(R"({"err":"Wrong password"})", "application/json");
            return;
        }
        std::lock_guard lock(mutex_);
        ++unlocks_;
        std::string token = "vt" + std::to_string(++token_counter_) + "Q" +
                            std::to_string(SteadyClock::now().time_since_epoch().count() % 991);
        tokens_.insert(token);
        res.set_content(ordered_json{{"token", token}}.dump(), "application/json");
    }, false));
    svr->Get("/api/v1/summary", guard([this, json_reply](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        advance();
        const PresetRow* p = find_preset(preset_);
        const double ths = mining_ && p ? p->ths * power_w_ / std::max(1.0, p->watts) : 0;
        ordered_json chains = ordered_json::array();
        for (int i = 0; i < 3; ++i)
            chains.push_back({{"id", i + 1}, {"frequency", mining_ ? 500.0 * throttle_ / 100 : 0},
                              {"voltage", mining_ ? 13200 : 0}, {"power_consumption", power_w_ / 3},
                              {"hashrate_rt", ths * 1000 / 3}, {"status", {{"state", mining_ ? "mining" : "stopped"}}}});
        ordered_json fans = ordered_json::array();
        for (int i = 0; i < 4; ++i) fans.push_back({{"id", i}, {"rpm", mining_ ? 4200 : 0}});
        json_reply(res, {{"miner", {{"miner_status", {{"miner_state", mining_ ? "mining" : "stopped"},
                                                      {"miner_state_time", 100}, {"throttled", throttle_}}},
                                    {"hr_realtime", ths * 1000}, {"hr_average", ths * 1000},
                                    {"hr_nominal", 95000}, {"power_consumption", std::lround(power_w_)},
                                    {"power_efficiency", ths > 0 ? power_w_ / (ths * 1000) : 0},
                                    {"chip_temp", {{"min", 40}, {"max", std::round(35 + power_w_ / 100)}}},
                                    {"pcb_temp", {{"min", 35}, {"max", std::round(30 + power_w_ / 100)}}},
                                    {"cooling", {{"fan_num", 4}, {"fans", fans}, {"fan_duty", 60}}},
                                    {"chains", chains}}}});
    }, false));
    svr->Get("/api/v1/autotune/presets", guard([json_reply](const httplib::Request&, httplib::Response& res) {
        ordered_json list = ordered_json::array();
        list.push_back({{"name", "disabled"}, {"pretty", "Disabled"}, {"status", "untuned"}});
        for (const auto& p : kPresets)
            list.push_back({{"name", p.name},
                            {"pretty", std::string(p.name) + " watt ~ " + std::to_string(static_cast<int>(p.ths)) + " TH"},
                            {"status", p.tuned ? "tuned" : "untuned"}, {"modded_psu_required", false}});
        json_reply(res, list);
    }));
    auto action = [this](bool run) {
        return [this, run](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            advance();
            if (!ignore_writes_) mining_ = run;
            res.set_content(R"({"success":true})", "application/json");
        };
    };
    svr->Post("/api/v1/mining/stop", guard(action(false)));
    svr->Post("/api/v1/mining/start", guard(action(true)));
    svr->Post("/api/v1/settings", guard([this](const httplib::Request& req, httplib::Response& res) {
        auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (!body.is_object()) {
            res.status = 400;
            res.set_content(R"({"err":"bad json"})", "application/json");
            return;
        }
        std::lock_guard lock(mutex_);
        advance();
        auto p = body.value("/miner/overclock/preset"_json_pointer, std::string());
        const PresetRow* row = find_preset(p);
        // Only tuned presets take effect; the answer is the same either way.
        if (row && row->tuned && !ignore_writes_) preset_ = p;
        res.set_content(R"({"restart_required":false,"reboot_required":false})", "application/json");
    }));
    if (throttle_supported()) {
        svr->Post("/api/v1/mining/throttle", guard([this](const httplib::Request& req, httplib::Response& res) {
            auto body = nlohmann::json::parse(req.body, nullptr, false);
            if (!body.is_object() || !body.contains("percent") || !body["percent"].is_number_integer() ||
                body["percent"].get<int>() < 20 || body["percent"].get<int>() > 100) {
                res.status = 400;
                res.set_content(R"({"err":"percent must be 20..100"})", "application/json");
                return;
            }
            std::lock_guard lock(mutex_);
            advance();
            if (!ignore_writes_) throttle_ = body["percent"].get<int>();
            res.set_content(R"({"restart_required":false,"reboot_required":false})", "application/json");
        }));
    }
    return svr;
}

Status VnishEmulator::listen(int port) {
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
        return Status::error(ErrorCode::io, "vnish emulator: bind " + config_.bind + ":" +
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

void VnishEmulator::close() {
    if (!server_) return;
    stopping_ = true;
    server_->stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
}

Status VnishEmulator::start() {
    std::lock_guard lock(server_mutex_);
    if (server_) return Status::success();
    offline_ = false;
    return listen(config_.port);
}

void VnishEmulator::stop() {
    std::lock_guard lock(server_mutex_);
    close();
}

std::string VnishEmulator::url() const {
    return "http://" + config_.bind + ":" + std::to_string(port_.load());
}

std::string VnishEmulator::preset() const { std::lock_guard l(mutex_); return preset_; }
bool VnishEmulator::mining() const { std::lock_guard l(mutex_); return mining_; }
int VnishEmulator::throttle_pct() const { std::lock_guard l(mutex_); return throttle_; }
double VnishEmulator::power_w() const {
    std::lock_guard l(mutex_);
    const_cast<VnishEmulator*>(this)->advance();
    return power_w_;
}
int VnishEmulator::unlocks() const { std::lock_guard l(mutex_); return unlocks_; }

void VnishEmulator::set_latency_ms(int ms) { latency_ms_ = std::max(0, ms); }
void VnishEmulator::set_http_500(bool on) { http_500_ = on; }
void VnishEmulator::set_malformed_json(bool on) { malformed_ = on; }
void VnishEmulator::set_ignore_writes(bool on) { ignore_writes_ = on; }
void VnishEmulator::set_offline(bool on) {
    std::lock_guard lock(server_mutex_);
    if (on == offline_) return;
    offline_ = on;
    if (on) close();
    else if (port_ > 0) listen(port_);
}
void VnishEmulator::expire_tokens() { std::lock_guard l(mutex_); tokens_.clear(); }
void VnishEmulator::reboot() {
    std::lock_guard l(mutex_);
    advance();
    tokens_.clear();
    power_w_ = 0;
    throttle_ = 100;   // throttle is not kept across a restart
    booted_ = SteadyClock::now();
}

}  // namespace hashsink::miners::vnish
