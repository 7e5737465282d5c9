#include "daemon/app/fleet_command.hpp"

#include <cctype>
#include <cmath>
#include <nlohmann/json.hpp>

#include "adapters/sensors/mqtt_payload.hpp"

namespace hashsink::app {
namespace {

using nlohmann::json;

Status bad(std::string message) {
    return Status::error(ErrorCode::invalid, std::move(message), false);
}

std::optional<std::string> id_error(std::string_view what, std::string_view id) {
    if (id.empty() || id.size() > 64) return std::string(what) + ": 1 to 64 characters";
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
            return std::string(what) + ": only letters, digits, '_', '-' and '.'";
    return std::nullopt;
}

bool watts_ok(const json& v) {
    return v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 0;
}

}  // namespace

std::string site_id_from_prefix(std::string_view prefix) {
    return std::string(prefix.substr(prefix.find_last_of('/') + 1));
}

std::optional<std::string> site_id_error(std::string_view id) { return id_error("site id", id); }

Result<FleetCommand> parse_fleet_command(std::string_view payload) {
    json j = json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad("fleet command: not a JSON object");
    FleetCommand c;
    const auto id = j.find("id");
    if (id == j.end() || !id->is_string()) return bad("fleet command: id: a string is required");
    c.id = id->get<std::string>();
    if (auto e = id_error("fleet command: id", c.id)) return bad(*e);
    for (const auto& [key, value] : j.items())
        if (key != "id" && key != "until" && key != "limits_w" && key != "clear")
            return bad("fleet command " + c.id + ": unknown field " + key.substr(0, 40));
    if (auto clear = j.find("clear"); clear != j.end()) {
        if (!clear->is_boolean()) return bad("fleet command " + c.id + ": clear: true or false");
        c.clear = clear->get<bool>();
    }
    if (auto until = j.find("until"); until != j.end() && !until->is_null()) {
        if (!until->is_string()) return bad("fleet command " + c.id + ": until: an ISO 8601 time");
        c.until = sensors::mqtt::parse_iso8601(until->get_ref<const std::string&>());
        if (!c.until) return bad("fleet command " + c.id + ": until: not an ISO 8601 time");
    }
    if (auto limits = j.find("limits_w"); limits != j.end()) {
        if (!limits->is_object()) return bad("fleet command " + c.id + ": limits_w: an object");
        if (limits->size() > kMaxFleetSites)
            return bad("fleet command " + c.id + ": limits_w: more than 10000 sites");
        for (const auto& [site, w] : limits->items()) {
            if (auto e = site_id_error(site)) return bad("fleet command " + c.id + ": " + *e);
            if (!watts_ok(w))
                return bad("fleet command " + c.id + ": limits_w." + site + ": watts, 0 or more");
            c.limits_w[site] = w.get<double>();
        }
    }
    if (c.clear == !c.limits_w.empty())
        return bad("fleet command " + c.id + ": either limits_w or clear = true");
    return c;
}

std::string fleet_command_json(const FleetCommand& c) {
    json j = {{"id", c.id}};
    if (c.clear) j["clear"] = true;
    if (!c.limits_w.empty()) j["limits_w"] = c.limits_w;
    if (c.until) j["until"] = iso8601(*c.until);
    return j.dump();
}

std::optional<loop::SiteLimitRequest> request_for(const FleetCommand& c, std::string_view site,
                                                  TimePoint now) {
    const std::string note = "fleet command " + c.id;
    if (c.clear) return loop::SiteLimitRequest{.limit_w = std::nullopt, .note = note};
    if (c.until && now >= *c.until) return std::nullopt;
    auto it = c.limits_w.find(std::string(site));
    if (it == c.limits_w.end()) return std::nullopt;
    return loop::SiteLimitRequest{.limit_w = it->second, .until = c.until, .note = note};
}

std::string fleet_ack_json(const FleetAck& a) {
    json j = {{"id", a.id}, {"site", a.site}, {"ok", a.ok}, {"at", iso8601(a.at)}};
    if (!a.error.empty()) j["error"] = a.error;
    j["limit_w"] = a.limit_w ? json(*a.limit_w) : json(nullptr);
    return j.dump();
}

Result<FleetAck> parse_fleet_ack(std::string_view payload) {
    json j = json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return bad("fleet ack: not a JSON object");
    FleetAck a;
    auto text = [&j](const char* key) {
        auto it = j.find(key);
        return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    a.id = text("id");
    a.site = text("site");
    a.error = text("error").substr(0, 200);
    if (id_error("id", a.id) || site_id_error(a.site)) return bad("fleet ack: id or site missing");
    auto ok = j.find("ok");
    if (ok == j.end() || !ok->is_boolean()) return bad("fleet ack: ok: true or false");
    a.ok = ok->get<bool>();
    if (auto w = j.find("limit_w"); w != j.end() && watts_ok(*w)) a.limit_w = w->get<double>();
    if (auto at = sensors::mqtt::parse_iso8601(text("at"))) a.at = *at;
    return a;
}

std::map<std::string, double> split_curtailment(double total_w,
                                                const std::map<std::string, double>& draw_w) {
    std::map<std::string, double> out;
    if (draw_w.empty()) return out;
    double sum = 0;
    for (const auto& [site, w] : draw_w) sum += std::max(0.0, w);
    for (const auto& [site, w] : draw_w)
        out[site] = sum > 0 ? total_w * std::max(0.0, w) / sum
                            : total_w / static_cast<double>(draw_w.size());
    return out;
}

}  // namespace hashsink::app
