#include "adapters/miners/tasmota/tasmota_driver.hpp"

#include "adapters/miners/json_fields.hpp"

namespace hashsink::miners::tasmota {

using nlohmann::json;

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .include(plug_settings("File holding the web password, when one is set"))
            .bind(&DriverConfig::user, {.name = "user",
                                        .doc = "Web user (with password_file)",
                                        .fallback = OptionValue{std::string("admin")}})
            .bind(&DriverConfig::relay, {.name = "relay",
                                         .doc = "Which relay feeds the miner (Power1, Power2, ...)",
                                         .fallback = OptionValue{std::int64_t{1}},
                                         .min = 1,
                                         .max = 32});
    return settings;
}

std::string url_encode(const std::string& s) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

TasmotaDriver::TasmotaDriver(std::string id, DriverConfig config)
    : PlugDriver("tasmota", std::move(id), config), relay_(config.relay), user_(config.user) {}

std::string TasmotaDriver::power_command() const { return "Power" + std::to_string(relay_); }

Result<json> TasmotaDriver::command(const std::string& cmnd) {
    auto pw = password();
    if (!pw) return pw.error();
    auto client = http_client();  // the password goes in the query, not in a header
    if (!client) return client.error();
    const std::string shown = "/cm?cmnd=" + url_encode(cmnd);
    std::string path = shown;
    if (!pw->empty()) path += "&user=" + url_encode(user_) + "&password=" + url_encode(*pw);
    auto res = (*client)->get(path);
    if (!res) {
        // The client names the path it sent: put the one without the password in its place.
        Status e = res.error();
        if (auto pos = e.message.find(path); pos != std::string::npos)
            e.message.replace(pos, path.size(), shown);
        if (e.message.find("HTTP 401") != std::string::npos)
            e.message += " (check user and password_file)";
        return e;
    }
    auto obj = parse_object(res->body, "GET " + shown);
    if (!obj) return obj.error();
    if (obj->contains("WARNING")) {
        return Status::error(ErrorCode::rejected,
                             "GET " + shown + ": " + json_string(*obj, "WARNING") +
                                 " (check user and password_file)", false);
    }
    if (json_string(*obj, "Command") == "Unknown") {
        return Status::error(ErrorCode::unsupported, "GET " + shown + ": unknown command", false);
    }
    return obj;
}

Status TasmotaDriver::identify(std::string& model, std::string& firmware) {
    auto fw = command("Status 2");
    if (!fw) return fw.error();
    auto it = fw->find("StatusFWR");
    if (it == fw->end() || !it->is_object()) {
        return Status::error(ErrorCode::protocol, "GET /cm?cmnd=Status%202: no StatusFWR");
    }
    firmware = json_string(*it, "Version");
    std::string hardware = json_string(*it, "Hardware");
    auto st = command("Status");
    if (!st) return st.error();
    std::string name;
    if (auto s = st->find("Status"); s != st->end() && s->is_object())
        name = json_string(*s, "DeviceName");
    model = "Tasmota" + (name.empty() ? "" : " " + name) + (hardware.empty() ? "" : " (" + hardware + ")");
    return Status::success();
}

Result<PlugReading> TasmotaDriver::read_relay() {
    auto p = command(power_command());
    if (!p) return p.error();
    // One-relay devices answer "POWER", others "POWER<n>".
    std::string v = json_string(*p, ("POWER" + std::to_string(relay_)).c_str());
    if (v.empty()) v = json_string(*p, "POWER");
    if (v != "ON" && v != "OFF") {
        return Status::error(ErrorCode::protocol,
                             "GET /cm?cmnd=" + power_command() + ": no POWER ON/OFF in the reply");
    }
    PlugReading r;
    r.on = v == "ON";
    auto e = command("Status 8");
    if (!e) return e.error();
    if (auto sns = e->find("StatusSNS"); sns != e->end() && sns->is_object()) {
        if (auto en = sns->find("ENERGY"); en != sns->end() && en->is_object()) {
            // Multi-channel meters report arrays; the relay's channel is the one we want.
            auto pw = en->find("Power");
            if (pw != en->end() && pw->is_array()) {
                if (static_cast<std::size_t>(relay_ - 1) < pw->size() && (*pw)[relay_ - 1].is_number())
                    r.power_w = (*pw)[relay_ - 1].get<double>();
            } else {
                r.power_w = json_number(*en, "Power");
            }
        }
    }
    return r;
}

Status TasmotaDriver::set_relay(bool on) {
    auto res = command(power_command() + (on ? " ON" : " OFF"));
    return res ? Status::success() : res.error();
}

}  // namespace hashsink::miners::tasmota
