#include "emulators/miners/tasmota/tasmota_emulator.hpp"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include <nlohmann/json.hpp>

namespace hashsink::miners::tasmota {

using ordered_json = nlohmann::ordered_json;

TasmotaEmulator::TasmotaEmulator(EmulatorConfig config, emu::SharedClock emu_clock)
    : PlugEmulator("tasmota", config, std::move(emu_clock)), config_(std::move(config)) {}

TasmotaEmulator::~TasmotaEmulator() { stop(); }

bool TasmotaEmulator::on_after_restart(bool was_on) const {
    return config_.power_on_state == 1 || (config_.power_on_state == 3 && was_on);
}

std::string TasmotaEmulator::answer(const std::string& raw, int& status) {
    // Tasmota is case-insensitive and takes "Power1 ON", "power1 on", "Power ON".
    std::string cmnd;
    for (char c : raw) cmnd += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string arg;
    if (auto sp = cmnd.find(' '); sp != std::string::npos) {
        arg = cmnd.substr(sp + 1);
        cmnd = cmnd.substr(0, sp);
    }
    std::lock_guard lock(mutex_);
    if (cmnd == "power" || cmnd == "power1") {
        bool want = load_.on();
        if (arg == "on" || arg == "1") {
            want = true;
        } else if (arg == "off" || arg == "0") {
            want = false;
        } else if (arg == "toggle" || arg == "2") {
            want = !load_.on();
        } else if (!arg.empty()) {
            return R"({"Command":"Error"})";
        }
        // Ignored writes still answer as if they took.
        if (!ignore_writes()) load_.set(want);
        // One relay: answers "POWER" whichever form was asked.
        return ordered_json{{"POWER", want ? "ON" : "OFF"}}.dump();
    }
    if (cmnd == "status" && arg.empty()) {
        ordered_json s;
        s["Module"] = 0;
        s["DeviceName"] = "Miner plug";
        s["FriendlyName"] = {"Miner plug"};
        s["Topic"] = "tasmota_EMU001";
        s["ButtonTopic"] = "0";
        s["Power"] = load_.on() ? 1 : 0;
        s["PowerOnState"] = config_.power_on_state;
        s["LedState"] = 1;
        return ordered_json{{"Status", s}}.dump();
    }
    if (cmnd == "status" && arg == "2") {
        ordered_json f;
        f["Version"] = "13.2.0(tasmota)";
        f["BuildDateTime"] = "2023-10-13T09:21:20";
        f["Boot"] = 31;
        f["Core"] = "2_7_4_9";
        f["SDK"] = "2.2.2-dev(38a443e)";
        f["CpuFrequency"] = 80;
        f["Hardware"] = "ESP8266EX";
        f["CR"] = "378/699";
        return ordered_json{{"StatusFWR", f}}.dump();
    }
    if (cmnd == "status" && (arg == "8" || arg == "10")) {
        ordered_json sns;
        sns["Time"] = "2024-06-21T12:00:00";
        if (config_.energy) {
            const double p = load_.power_w();
            ordered_json e;
            e["TotalStartTime"] = "2024-01-01T00:00:00";
            e["Total"] = 123.456;
            e["Yesterday"] = 5.1;
            e["Today"] = 2.3;
            e["Power"] = static_cast<int>(std::lround(p));
            e["ApparentPower"] = static_cast<int>(std::lround(p * 1.02));
            e["ReactivePower"] = static_cast<int>(std::lround(p * 0.2));
            e["Factor"] = 0.98;
            e["Voltage"] = 231;
            e["Current"] = std::round(p / 231 * 1000) / 1000;
            sns["ENERGY"] = e;
        }
        return ordered_json{{"StatusSNS", sns}}.dump();
    }
    status = 200;
    return R"({"Command":"Unknown"})";
}

void TasmotaEmulator::routes(Routes& svr) {
    svr.get("/cm", [this](const httplib::Request& req, httplib::Response& res) {
        if (!config_.password.empty() && (req.get_param_value("user") != config_.user ||
                                          req.get_param_value("password") != config_.password)) {
            res.status = 401;
            res.set_content(R"({"WARNING":"Need user=<username>&password=<password>"})",
                            "application/json");
            return;
        }
        int status = 200;
        std::string body = answer(req.get_param_value("cmnd"), status);
        res.status = status;
        send_json(res, body);
    });
}

}  // namespace hashsink::miners::tasmota
