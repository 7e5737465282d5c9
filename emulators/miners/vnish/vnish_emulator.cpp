#include "emulators/miners/vnish/vnish_emulator.hpp"

#include <httplib.h>

#include <algorithm>
#include <functional>
#include <cmath>

#include <nlohmann/json.hpp>

#include "adapters/miners/vnish/vnish_codec.hpp"

namespace hashsink::miners::vnish {
namespace {

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

VnishEmulator::VnishEmulator(EmulatorConfig config, emu::SharedClock emu_clock)
    : HttpEmulator("vnish", config, std::move(emu_clock)),
      config_(std::move(config)),
      power_(clock(), config_.lag_s, 3200),
      tokens_(clock(), "vt", std::chrono::seconds(0)) {}

VnishEmulator::~VnishEmulator() { stop(); }

bool VnishEmulator::throttle_supported() const { return has_throttle(config_.version); }

double VnishEmulator::target_draw_w() const {
    const PresetRow* p = find_preset(preset_);
    if (!mining_ || p == nullptr) return idle_power_estimate_w(3200);
    return p->watts * throttle_ / 100.0;
}

double VnishEmulator::advance() { return power_.advance(target_draw_w()); }

void VnishEmulator::routes(Routes& svr) {
    // A token from /unlock ("Bearer <token>" or raw) or the API key.
    auto guard = [this](emu::Handler h) -> emu::Handler {
        return [this, h](const httplib::Request& req, httplib::Response& res) {
            const std::string key = req.get_header_value("x-api-key");
            bool allowed = !config_.api_key.empty() && key == config_.api_key;
            if (!allowed) {
                std::lock_guard lock(mutex_);
                allowed = tokens_.use(emu::bearer_token(req));
            }
            if (!allowed) {
                res.status = 401;
                res.set_content(R"({"err":"Unauthorized"})", "application/json");
                return;
            }
            h(req, res);
        };
    };

    svr.get("/", [](const httplib::Request&, httplib::Response& res) {
        res.set_content("<!doctype html><html><head><title>AnthillOS</title></head><body></body></html>",
                        "text/html");
    });
    svr.get("/api/v1/info", [this](const httplib::Request&, httplib::Response& res) {
        send_json(res, {{"miner", "Antminer S19"},
                        {"model", "s19"},
                        {"fw_name", "Vnish"},
                        {"fw_version", config_.version},
                        {"platform", "xil"},
                        {"algorithm", "sha256d"},
                        {"hr_measure", "GH/s"},
                        {"serial", "N/A"}});
    });
    svr.get("/api/v1/status", [this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        send_json(res, {{"miner_state", mining_ ? "mining" : "stopped"},
                        {"miner_state_time", 1},
                        {"restart_required", false},
                        {"reboot_required", false},
                        {"unlocked", !tokens_.empty()}});
    });
    svr.get("/api/v1/perf-summary", [this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        const PresetRow* p = find_preset(preset_);
        send_json(res, {{"current_preset",
                         {{"name", preset_},
                          {"pretty", p ? std::string(p->name) + " watt" : "Disabled"},
                          {"status", p && p->tuned ? "tuned" : "untuned"}}},
                        {"preset_switcher", {{"enabled", false}}}});
    });
    svr.post("/api/v1/unlock", [this](const httplib::Request& req, httplib::Response& res) {
        auto body = nlohmann::json::parse(req.body, nullptr, false);
        if (!body.is_object() || body.value("pw", "") != config_.password) {
            res.status = 403;
            res.set_content(R"({"err":"Wrong password"})", "application/json");
            return;
        }
        std::lock_guard lock(mutex_);
        const std::string token = tokens_.issue();
        res.set_content(ordered_json{{"token", token}}.dump(), "application/json");
    });
    svr.get("/api/v1/summary", [this](const httplib::Request&, httplib::Response& res) {
        std::lock_guard lock(mutex_);
        advance();
        const PresetRow* p = find_preset(preset_);
        const double ths = mining_ && p ? p->ths * power_.watts() / std::max(1.0, p->watts) : 0;
        ordered_json chains = ordered_json::array();
        for (int i = 0; i < 3; ++i)
            chains.push_back({{"id", i + 1}, {"frequency", mining_ ? 500.0 * throttle_ / 100 : 0},
                              {"voltage", mining_ ? 13200 : 0}, {"power_consumption", power_.watts() / 3},
                              {"hashrate_rt", ths * 1000 / 3}, {"status", {{"state", mining_ ? "mining" : "stopped"}}}});
        ordered_json fans = ordered_json::array();
        for (int i = 0; i < 4; ++i) fans.push_back({{"id", i}, {"rpm", mining_ ? 4200 : 0}});
        send_json(res,
                  {{"miner",
                    {{"miner_status",
                      {{"miner_state", mining_ ? "mining" : "stopped"},
                       {"miner_state_time", 100},
                       {"throttled", throttle_}}},
                     {"hr_realtime", ths * 1000},
                     {"hr_average", ths * 1000},
                     {"hr_nominal", 95000},
                     {"power_consumption", std::lround(power_.watts())},
                     {"power_efficiency", ths > 0 ? power_.watts() / (ths * 1000) : 0},
                     {"chip_temp", {{"min", 40}, {"max", std::round(35 + power_.watts() / 100)}}},
                     {"pcb_temp", {{"min", 35}, {"max", std::round(30 + power_.watts() / 100)}}},
                     {"cooling", {{"fan_num", 4}, {"fans", fans}, {"fan_duty", 60}}},
                     {"chains", chains}}}});
    });
    svr.get(
        "/api/v1/autotune/presets", guard([this](const httplib::Request&, httplib::Response& res) {
            ordered_json list = ordered_json::array();
            list.push_back({{"name", "disabled"}, {"pretty", "Disabled"}, {"status", "untuned"}});
            for (const auto& p : kPresets)
                list.push_back({{"name", p.name},
                                {"pretty", std::string(p.name) + " watt ~ " +
                                               std::to_string(static_cast<int>(p.ths)) + " TH"},
                                {"status", p.tuned ? "tuned" : "untuned"},
                                {"modded_psu_required", false}});
            send_json(res, list);
        }));
    auto action = [this](bool run) {
        return [this, run](const httplib::Request&, httplib::Response& res) {
            std::lock_guard lock(mutex_);
            advance();
            if (!ignore_writes()) mining_ = run;
            res.set_content(R"({"success":true})", "application/json");
        };
    };
    svr.post("/api/v1/mining/stop", guard(action(false)));
    svr.post("/api/v1/mining/start", guard(action(true)));
    svr.post("/api/v1/settings", guard([this](const httplib::Request& req, httplib::Response& res) {
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
        if (row && row->tuned && !ignore_writes()) preset_ = p;
        res.set_content(R"({"restart_required":false,"reboot_required":false})", "application/json");
    }));
    if (throttle_supported()) {
        svr.post("/api/v1/mining/throttle", guard([this](const httplib::Request& req, httplib::Response& res) {
            auto body = nlohmann::json::parse(req.body, nullptr, false);
            if (!body.is_object() || !body.contains("percent") || !body["percent"].is_number_integer() ||
                body["percent"].get<int>() < 20 || body["percent"].get<int>() > 100) {
                res.status = 400;
                res.set_content(R"({"err":"percent must be 20..100"})", "application/json");
                return;
            }
            std::lock_guard lock(mutex_);
            advance();
            if (!ignore_writes()) throttle_ = body["percent"].get<int>();
            res.set_content(R"({"restart_required":false,"reboot_required":false})", "application/json");
        }));
    }
}

std::string VnishEmulator::preset() const { std::lock_guard l(mutex_); return preset_; }
bool VnishEmulator::mining() const { std::lock_guard l(mutex_); return mining_; }
int VnishEmulator::throttle_pct() const { std::lock_guard l(mutex_); return throttle_; }
double VnishEmulator::power_w() const {
    std::lock_guard l(mutex_);
    return power_.advance(target_draw_w());
}
int VnishEmulator::unlocks() const { std::lock_guard l(mutex_); return tokens_.issued(); }

void VnishEmulator::expire_tokens() { std::lock_guard l(mutex_); tokens_.clear(); }

void VnishEmulator::on_reboot() {
    std::lock_guard l(mutex_);
    tokens_.clear();
    power_.reset(0);
    throttle_ = 100;   // throttle is not kept across a restart
}

}  // namespace hashsink::miners::vnish
