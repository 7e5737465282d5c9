#include "emulators/miners/shelly/shelly_emulator.hpp"

#include <httplib.h>

#include <cmath>
#include <ctime>

#include <nlohmann/json.hpp>

namespace hashsink::miners::shelly {

using ordered_json = nlohmann::ordered_json;

ShellyEmulator::ShellyEmulator(EmulatorConfig config, emu::SharedClock emu_clock)
    : PlugEmulator("shelly", config, std::move(emu_clock)), config_(std::move(config)) {}

ShellyEmulator::~ShellyEmulator() { stop(); }

bool ShellyEmulator::on_after_restart(bool was_on) const {
    return config_.power_on_state == "on" || (config_.power_on_state == "restore" && was_on);
}

void ShellyEmulator::routes(Routes& svr) {
    auto error = [](httplib::Response& res, int code, const std::string& msg) {
        res.status = code == -105 ? 404 : 400;
        res.set_content(ordered_json{{"code", code}, {"message", msg}}.dump(), "application/json");
    };
    svr.get("/rpc/Shelly.GetDeviceInfo", [this](const httplib::Request&, httplib::Response& res) {
        ordered_json j;
        j["name"] = nullptr;
        j["id"] = "shellyplusplugs-emulated";
        j["mac"] = "02000000AB01";
        j["slot"] = 0;
        j["model"] = "SNPL-00112EU";
        j["gen"] = 2;
        j["fw_id"] = "20231107-164738/1.0.8-g8c7bb8d";
        j["ver"] = "1.0.8";
        j["app"] = "PlusPlugS";
        j["auth_en"] = false;
        j["auth_domain"] = nullptr;
        send_json(res, j);
    });
    svr.get("/rpc/Switch.GetStatus", [this, error](const httplib::Request& req,
                                                    httplib::Response& res) {
        if (req.get_param_value("id") != "0") return error(res, -105, "Argument 'id', value not found!");
        ordered_json j;
        {
            std::lock_guard lock(mutex_);
            const double p = load_.power_w();
            j["id"] = 0;
            j["source"] = "HTTP_in";
            j["output"] = load_.on();
            j["apower"] = std::round(p * 10) / 10;
            j["voltage"] = 230.4;
            j["freq"] = 50.0;
            j["current"] = std::round(p / 230.4 * 1000) / 1000;
            j["aenergy"] = {{"total", energy_wh_}, {"by_minute", {0.0, 0.0, 0.0}},
                            {"minute_ts", std::time(nullptr)}};
            j["temperature"] = {{"tC", 38.2}, {"tF", 100.8}};
        }
        send_json(res, j);
    });
    svr.get("/rpc/Switch.Set", [this, error](const httplib::Request& req, httplib::Response& res) {
        if (req.get_param_value("id") != "0") return error(res, -105, "Argument 'id', value not found!");
        const std::string on = req.get_param_value("on");
        if (on != "true" && on != "false") return error(res, -103, "Invalid argument 'on'!");
        bool was = false;
        {
            std::lock_guard lock(mutex_);
            was = load_.on();
            if (!ignore_writes()) load_.set(on == "true");
        }
        res.set_content(ordered_json{{"was_on", was}}.dump(), "application/json");
    });
}

}  // namespace hashsink::miners::shelly
