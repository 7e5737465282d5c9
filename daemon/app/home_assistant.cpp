#include "daemon/app/home_assistant.hpp"

#include <cctype>
#include <nlohmann/json.hpp>

#include "web/api/status_json.hpp"

namespace hashsink::app {
namespace {

using nlohmann::json;
using transport::OutgoingMessage;

constexpr const char* kVersion = "0.1.0";

// What every entity of one device shares, and how its config message is addressed.
struct Device {
    const PublishConfig& config;
    json device;                // Home Assistant's device block
    std::string object_prefix;  // "site_", "<miner>_", "zone_<zone>_"
    std::string state_topic;
    std::string command_base;  // <prefix> (site) or <prefix>/miner/<id>
    std::vector<OutgoingMessage>& out;

    void add(const std::string& component, const std::string& key, const std::string& name,
             json fields) {
        const std::string object = object_prefix + key;
        fields["name"] = name;
        fields["unique_id"] = config.node_id + "_" + object;
        fields["device"] = device;
        fields["availability_topic"] = config.broker.status_topic;
        fields["payload_available"] = "online";
        fields["payload_not_available"] = "offline";
        if (!fields.contains("state_topic") && component != "button")
            fields["state_topic"] = state_topic;
        out.push_back({config.discovery_prefix + "/" + component + "/" + config.node_id + "/" +
                           object + "/config",
                       web::json_text(fields), config.qos, true});
    }

    void sensor(const std::string& key, const std::string& name, const std::string& value,
                const char* unit = nullptr, const char* device_class = nullptr,
                const char* state_class = "measurement", json extra = json::object()) {
        extra["value_template"] = "{{ value_json." + value + " }}";
        if (unit) extra["unit_of_measurement"] = unit;
        if (device_class) extra["device_class"] = device_class;
        if (state_class) extra["state_class"] = state_class;
        add("sensor", key, name, std::move(extra));
    }

    void text_sensor(const std::string& key, const std::string& name, const std::string& value) {
        add("sensor", key, name, {{"value_template", "{{ value_json." + value + " }}"}});
    }

    void binary(const std::string& key, const std::string& name, const std::string& value,
                const char* device_class) {
        add("binary_sensor", key, name,
            {{"value_template", "{{ 'ON' if value_json." + value + " else 'OFF' }}"},
             {"device_class", device_class}});
    }

    std::string command_topic(const std::string& what) const {
        return command_base + "/" + what + "/set";
    }

    void override_controls(bool per_miner) {
        add("select", "override", "Override",
            {{"command_topic", command_topic("override")},
             {"options", {"auto", "min", "max", "off"}},
             {"value_template", "{{ value_json.override }}"}});
        add("button", "override_clear", "Clear override",
            {{"command_topic", command_topic("override")}, {"payload_press", "auto"}});
        if (!per_miner) return;
        add("number", "override_duration", "Override duration",
            {{"command_topic", command_topic("override_duration")},
             {"value_template", "{{ value_json.override_minutes }}"},
             {"min", 1},
             {"max", 10080},
             {"step", 1},
             {"mode", "box"},
             {"unit_of_measurement", "min"},
             {"entity_category", "config"}});
    }
};

json site_device(const PublishConfig& c) {
    return {{"identifiers", {c.node_id}},
            {"name", "hashsink " + c.node_id},
            {"manufacturer", "hashsink"},
            {"model", "hashsink site"},
            {"sw_version", kVersion}};
}

void site_entities(const loop::LoopStatus& st, const PublishConfig& c,
                   std::vector<OutgoingMessage>& out) {
    Device d{c, site_device(c), "site_", c.prefix + "/status", c.prefix, out};
    d.sensor("solar_power", "Solar power", "solar_w", "W", "power");
    d.sensor("grid_power", "Grid power", "grid_w", "W", "power");
    d.sensor("miners_power", "Miners power", "measured_w", "W", "power");
    d.sensor("budget", "Budget", "budget_w", "W", "power");
    d.text_sensor("policy", "Policy", "policy");
    d.add("sensor", "state", "State",
          {{"value_template", "{{ value_json.state }}"},
           {"device_class", "enum"},
           {"options", {"running", "idle", "shed", "fail_safe", "emergency"}}});
    d.text_sensor("reason", "Reason", "reason[:255]");
    d.sensor("miners_energy", "Miners energy", "energy.miners_kwh", "kWh", "energy",
             "total_increasing");
    d.sensor("surplus_absorbed", "Surplus absorbed", "energy.surplus_kwh", "kWh", "energy",
             "total_increasing");
    d.sensor("grid_import", "Grid import caused", "energy.import_kwh", "kWh", "energy",
             "total_increasing");
    json revenue = {{"last_reset_value_template", "{{ value_json.energy.since }}"}};
    if (c.currency.empty())
        d.sensor("hash_revenue", "Hash revenue", "energy.revenue", nullptr, nullptr, "total",
                 revenue);
    else
        d.sensor("hash_revenue", "Hash revenue", "energy.revenue", c.currency.c_str(), "monetary",
                 "total", revenue);
    if (c.control) d.override_controls(false);
    for (const auto& z : st.decision.report.heat_zones) {
        Device zone{c,
                    site_device(c),
                    "zone_" + object_id(z.id) + "_",
                    c.prefix + "/zone/" + z.id,
                    c.prefix,
                    out};
        zone.sensor("temperature", z.id + " temperature", "temperature_c", "°C", "temperature");
        zone.sensor("setpoint", z.id + " setpoint", "target_c", "°C", "temperature");
        zone.binary("heating", z.id + " heating", "heating", "heat");
    }
}

void miner_entities(const loop::MinerStatus& m, const PublishConfig& c,
                    std::vector<OutgoingMessage>& out) {
    const std::string object = object_id(m.id);
    json device = {{"identifiers", {c.node_id + "_" + object}},
                   {"name", m.id},
                   {"manufacturer", m.driver},
                   {"via_device", c.node_id}};
    if (m.state && !m.state->model.empty()) device["model"] = m.state->model;
    if (m.state && !m.state->firmware.empty()) device["sw_version"] = m.state->firmware;
    Device d{c,
             std::move(device),
             object + "_",
             c.prefix + "/miner/" + m.id,
             c.prefix + "/miner/" + m.id,
             out};
    d.add("sensor", "state", "State",
          {{"value_template", "{{ value_json.state }}"},
           {"device_class", "enum"},
           {"options", {"mining", "paused", "overheated", "offline", "error"}}});
    d.sensor("power", "Power", "power_w", "W", "power");
    d.sensor("hashrate", "Hashrate", "hashrate_ths", "TH/s");
    d.sensor("chip_temperature", "Chip temperature", "chip_temp_c", "°C", "temperature");
    d.sensor("efficiency", "Efficiency", "efficiency_jth", "J/TH");
    d.binary("online", "Online", "online", "connectivity");
    if (!c.control) return;
    d.add("switch", "enabled", "Enabled",
          {{"command_topic", d.command_topic("enabled")},
           {"value_template", "{{ 'ON' if value_json.enabled else 'OFF' }}"},
           {"payload_on", "ON"},
           {"payload_off", "OFF"},
           {"state_on", "ON"},
           {"state_off", "OFF"}});
    const double top = m.caps.max_power_w() > 0 ? m.caps.max_power_w() : 100000;
    d.add("number", "max_power", "Max power",
          {{"command_topic", d.command_topic("max_power_w")},
           {"value_template", "{{ value_json.max_power_w }}"},
           {"min", 0},
           {"max", top},
           {"step", 1},
           {"mode", "box"},
           {"unit_of_measurement", "W"},
           {"device_class", "power"},
           {"entity_category", "config"}});
    d.override_controls(true);
}

}  // namespace

std::string node_id_from_prefix(std::string_view prefix) {
    std::string out;
    for (char c : prefix) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
    return out.empty() ? "hashsink" : out;
}

std::string object_id(std::string_view id) {
    std::string out;
    for (char c : id) out += c == '.' ? std::string("_2e") : std::string(1, c);
    return out;
}

std::vector<OutgoingMessage> discovery_messages(const loop::LoopStatus& st,
                                                const PublishConfig& c) {
    std::vector<OutgoingMessage> out;
    site_entities(st, c, out);
    for (const auto& m : st.miners) miner_entities(m, c, out);
    return out;
}

std::string discovery_filter(const PublishConfig& c) {
    return c.discovery_prefix + "/+/" + c.node_id + "/+/config";
}

}  // namespace hashsink::app
