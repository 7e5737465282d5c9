#include "adapters/miners/shelly/shelly_driver.hpp"

#include "adapters/miners/json_fields.hpp"

namespace hashsink::miners::shelly {

using nlohmann::json;

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .include(
                plug_settings("File holding the plug's password (user admin), when auth is on"))
            .bind(&DriverConfig::switch_id, {.name = "switch_id",
                                             .doc = "Which switch of the device feeds the miner",
                                             .fallback = OptionValue{std::int64_t{0}},
                                             .min = 0,
                                             .max = 15});
    return settings;
}

ShellyDriver::ShellyDriver(std::string id, DriverConfig config)
    : PlugDriver("shelly", std::move(id), config), switch_id_(config.switch_id) {}

Result<json> ShellyDriver::rpc(const std::string& call) {
    // Gen2 auth is HTTP Digest (SHA-256) with the fixed user "admin".
    auto client = http_client("admin");
    if (!client) return client.error();
    const std::string path = "/rpc/" + call;
    auto res = (*client)->get(path);
    if (!res) return res.error();
    return parse_object(res->body, "GET " + path);
}

Status ShellyDriver::identify(std::string& model, std::string& firmware) {
    auto info = rpc("Shelly.GetDeviceInfo");
    if (!info) return info.error();
    auto gen = json_number(*info, "gen");
    if (!gen || *gen < 2) {
        return Status::error(ErrorCode::unsupported,
                             "GET /rpc/Shelly.GetDeviceInfo: not a Gen2+ Shelly (no \"gen\" >= 2)",
                             false);
    }
    model = json_string(*info, "app");
    if (auto m = json_string(*info, "model"); !m.empty()) model += (model.empty() ? "" : " ") + m;
    firmware = json_string(*info, "ver");
    return Status::success();
}

Result<PlugReading> ShellyDriver::read_relay() {
    const std::string call = "Switch.GetStatus?id=" + std::to_string(switch_id_);
    auto st = rpc(call);
    if (!st) return st.error();
    auto output = json_bool(*st, "output");
    if (!output) {
        return Status::error(ErrorCode::protocol, "GET /rpc/" + call + ": no boolean \"output\"");
    }
    PlugReading r;
    r.on = *output;
    r.power_w = json_number(*st, "apower");
    if (auto t = st->find("temperature"); t != st->end() && t->is_object())
        r.temp_c = json_number(*t, "tC");
    return r;
}

Status ShellyDriver::set_relay(bool on) {
    auto res = rpc("Switch.Set?id=" + std::to_string(switch_id_) + "&on=" + (on ? "true" : "false"));
    return res ? Status::success() : res.error();
}

}  // namespace hashsink::miners::shelly
