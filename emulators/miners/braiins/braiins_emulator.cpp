#include "emulators/miners/braiins/braiins_emulator.hpp"

#include <httplib.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "adapters/miners/braiins/braiins_codec.hpp"

namespace hashsink::miners::braiins {
namespace {

using ordered_json = nlohmann::ordered_json;

// S21 Pro figures from the recorded bodies: 234 TH/s sticker, 3500 W default target.
constexpr double kMinW = 1600, kDefaultW = 3500, kMaxW = 4400, kStickerGhs = 234000;

ordered_json ghs(double v) { return {{"gigahash_per_second", v}}; }

}  // namespace

BraiinsEmulator::BraiinsEmulator(EmulatorConfig config, emu::SharedClock emu_clock)
    : HttpEmulator("braiins", config, std::move(emu_clock)),
      config_(std::move(config)),
      target_w_(kDefaultW),
      power_(clock(), config_.lag_s, kDefaultW * 0.995),
      tokens_(clock(), "tok", std::chrono::seconds(config_.token_timeout_s)) {}

BraiinsEmulator::~BraiinsEmulator() { stop(); }

double BraiinsEmulator::target_draw_w() const {
    return paused_ ? idle_power_estimate_w(kDefaultW) : target_w_ * 0.995;
}

double BraiinsEmulator::advance() { return power_.advance(target_draw_w()); }

void BraiinsEmulator::routes(Routes& svr) {
    // Raw or "Bearer <token>"; each request refreshes its validity.
    auto guard = [this](emu::Handler h, bool needs_auth = true) -> emu::Handler {
        return [this, h, needs_auth](const httplib::Request& req, httplib::Response& res) {
            if (needs_auth) {
                std::lock_guard lock(mutex_);
                if (!tokens_.use(emu::bearer_token(req))) {
                    res.status = 401;
                    res.set_content(R"({"message":"Unauthorized"})", "application/json");
                    return;
                }
            }
            h(req, res);
        };
    };

    svr.get("/", guard([](const httplib::Request&, httplib::Response& res) {
        res.set_content("<!doctype html><html><head><title>Braiins OS</title></head>"
                        "<body>Braiins OS</body></html>", "text/html");
    }, false));
    svr.get("/api/v1/version/", guard(
                                    [this](const httplib::Request&, httplib::Response& res) {
                                        send_json(res, {{"major", 1}, {"minor", 3}, {"patch", 0}});
                                    },
                                    false));
    svr.post("/api/v1/auth/login", guard([this](const httplib::Request& req, httplib::Response& res) {
        auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (!body.is_object() || body.value("username", "") != config_.username ||
            body.value("password", "") != config_.password) {
            res.status = 401;
            res.set_content(R"({"message":"Invalid credentials"})", "application/json");
            return;
        }
        std::lock_guard lock(mutex_);
        const std::string token = tokens_.issue();
        res.set_content(ordered_json{{"token", token}, {"timeout_s", config_.token_timeout_s}}.dump(),
                        "application/json");
    }, false));
    svr.get(
        "/api/v1/miner/details", guard([this](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            const auto up =
                static_cast<long>(std::chrono::duration<double>(clock().now() - booted_).count());
            send_json(res, {{"bos_mode", 4},
                            {"bos_version",
                             {{"bos_plus", true}, {"current", "2026-04-14-0-912d084c-26.04-plus"}}},
                            {"bosminer_uptime_s", up},
                            {"hostname", "emulated-bos"},
                            {"miner_identity",
                             {{"brand", 1},
                              {"miner_model", "Antminer S21 Pro"},
                              {"model", 0},
                              {"name", "Antminer S21 Pro"}}},
                            {"status", paused_ ? 3 : 2},
                            {"sticker_hashrate", ghs(kStickerGhs)},
                            {"system_uptime_s", up}});
        }));
    svr.get("/api/v1/configuration/constraints",
            guard([this](const httplib::Request&, httplib::Response& res) {
                send_json(res, {{"tuner_constraints",
                                 {{"default_mode", 1},
                                  {"power_target",
                                   {{"default", {{"watt", kDefaultW}}},
                                    {"max", {{"watt", kMaxW}}},
                                    {"min", {{"watt", kMinW}}}}}}}});
            }));
    svr.get(
        "/api/v1/miner/stats", guard([this](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            advance();
            const double h = paused_
                                 ? 0
                                 : kStickerGhs * 1.08 *
                                       std::pow(std::max(0.0, power_.watts()) / kDefaultW, 0.85);
            ordered_json real;
            for (const char* k :
                 {"last_15m", "last_15s", "last_1h", "last_1m", "last_30s", "last_5m", "last_5s"})
                real[k] = ghs(h);
            send_json(res,
                      {{"miner_stats",
                        {{"nominal_hashrate", ghs(kStickerGhs * 1.08)}, {"real_hashrate", real}}},
                       {"power_stats",
                        {{"approximated_consumption", {{"watt", std::lround(power_.watts())}}},
                         {"efficiency",
                          {{"joule_per_terahash", h > 0 ? power_.watts() / (h / 1000) : 0}}}}}});
        }));
    svr.get("/api/v1/cooling/state", guard([this](const httplib::Request&, httplib::Response& res) {
                std::lock_guard lock(mutex_);
                advance();
                const int rpm = static_cast<int>(2000 + power_.watts() * 1.1);
                ordered_json fans = ordered_json::array();
                for (int i = 0; i < 4; ++i)
                    fans.push_back({{"position", i}, {"rpm", rpm}, {"target_speed_ratio", 0.9}});
                send_json(res, {{"fans", fans},
                                {"highest_temperature",
                                 {{"id", nullptr},
                                  {"location", 1},
                                  {"temperature", {{"degree_c", 30 + power_.watts() / 100}}}}}});
            }));
    svr.get("/api/v1/performance/tuner-state",
            guard([this](const httplib::Request&, httplib::Response& res) {
                std::lock_guard lock(mutex_);
                send_json(res,
                          {{"mode_state",
                            {{"powertargetmodestate",
                              {{"current_target", {{"watt", std::lround(target_w_)}}},
                               {"profile", {{"target", {{"watt", std::lround(target_w_)}}}}}}}}},
                           {"overall_tuner_state", 5}});
            }));
    svr.get(
        "/api/v1/miner/hw/hashboards",
        guard([this](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            advance();
            ordered_json boards = ordered_json::array();
            const double f =
                paused_ ? 0
                        : 625865384.0 * std::pow(std::max(0.0, power_.watts()) / kDefaultW, 0.7);
            for (int i = 1; i <= 3; ++i)
                boards.push_back({{"board_temp", {{"degree_c", 25 + power_.watts() / 140}}},
                                  {"chip_type", "BM1370"},
                                  {"chips_count", 65},
                                  {"current_frequency", {{"hertz", f}}},
                                  {"current_voltage", {{"volt", paused_ ? 0 : 13.74}}},
                                  {"enabled", true},
                                  {"highest_chip_temp",
                                   {{"temperature", {{"degree_c", 30 + power_.watts() / 100}}}}},
                                  {"id", std::to_string(i)}});
            send_json(res, {{"hashboards", boards}});
        }));
    svr.put("/api/v1/actions/pause", guard([this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        advance();
        const bool was = paused_;
        if (!ignore_writes()) paused_ = true;
        res.set_content(was ? "true" : "false", "application/json");
    }));
    svr.put("/api/v1/actions/resume", guard([this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        advance();
        if (!ignore_writes()) paused_ = false;
        res.set_content("null", "application/json");
    }));
    svr.put("/api/v1/performance/power-target", guard([this](const httplib::Request& req, httplib::Response& res) {
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
        if (!ignore_writes()) target_w_ = w;
        res.set_content(ordered_json{{"watt", std::lround(w)}}.dump(), "application/json");
    }));
}

double BraiinsEmulator::power_target_w() const {
    std::lock_guard lock(mutex_);
    return target_w_;
}
double BraiinsEmulator::power_w() const {
    std::lock_guard lock(mutex_);
    return power_.advance(target_draw_w());
}
bool BraiinsEmulator::paused() const {
    std::lock_guard lock(mutex_);
    return paused_;
}
int BraiinsEmulator::logins() const {
    std::lock_guard lock(mutex_);
    return tokens_.issued();
}

void BraiinsEmulator::expire_tokens() {
    std::lock_guard lock(mutex_);
    tokens_.clear();
}

void BraiinsEmulator::on_reboot() {
    std::lock_guard lock(mutex_);
    tokens_.clear();
    power_.reset(0);   // mid-ramp: boards off, the tuner ramps again from nothing
    booted_ = clock().now();
}

}  // namespace hashsink::miners::braiins
