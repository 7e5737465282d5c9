#include "daemon/app/web_control.hpp"

#include <algorithm>

#include "adapters/miners/registry.hpp"
#include "adapters/miners/scan.hpp"
#include "adapters/sensors/registry.hpp"
#include "daemon/app/catalog.hpp"
#include "daemon/app/site.hpp"
#include "policies/layered/layered.hpp"
#include "policies/registry.hpp"
#include "web/api/miner_json.hpp"

namespace hashsink::app {

using nlohmann::json;

WebControl::WebControl(Site& site) : site_(site), catalog_(build_catalog()) {}

json WebControl::summaries() const {
    json out = {{"sources", json::object()}, {"miners", json::object()}, {"policies", json::object()}};
    for (const auto& t : sensors::source_types()) out["sources"][t.name] = t.summary;
    for (const auto& t : miners::driver_types()) out["miners"][t.name] = t.summary;
    for (const auto& t : policies::policy_types()) out["policies"][t.name] = t.summary;
    return out;
}

Result<std::string> WebControl::apply(const config::SiteConfig& cfg) {
    auto r = site_.reload(cfg);
    if (!r) return r.error();
    return r->text();
}

json WebControl::test_miner(const config::PluginConfig& miner) {
    const auto* type = miners::find_driver_type(miner.kind);
    if (type == nullptr) return {{"ok", false}, {"error", "unknown driver " + miner.kind}};
    auto driver = type->make(miner.id, miner.options);
    auto caps = driver->probe();
    if (!caps) return {{"ok", false}, {"error", caps.error().message}};
    auto state = driver->read_state();
    if (!state) return {{"ok", false}, {"error", state.error().message}, {"caps", *caps}};
    return {{"ok", true}, {"caps", *caps}, {"state", *state}};
}

json WebControl::test_source(const config::PluginConfig& source) {
    const auto* type = sensors::find_source_type(source.kind);
    if (type == nullptr) return {{"ok", false}, {"error", "unknown source type " + source.kind}};
    auto src = type->make(source.id, source.options);
    Accumulator acc;
    Status st = src->collect(WallClock::now(), acc);
    json values = json::object();
    for (const auto& [name, v] : acc.values())
        values[name] = std::isfinite(v) ? json(v) : json(nullptr);
    if (!st.ok()) return {{"ok", false}, {"error", st.message}, {"values", values}};
    return {{"ok", true}, {"values", values}};
}

std::optional<json> WebControl::scan(const json& body) {
    // Installers scan their own LAN: a range of at most a /16, one second per probe.
    if (!body.contains("cidr") || !body["cidr"].is_string() || body["cidr"].get<std::string>().size() > 64)
        return json{{"error", "cidr: expected a range such as 192.168.1.0/24"}};
    miners::ScanOptions options;
    options.cidr = body["cidr"].get<std::string>();
    options.concurrency = 64;
    // Miners behind port forwards answer on other ports.
    for (auto [key, port] : {std::pair<const char*, int*>{"http_port", &options.http_port},
                             std::pair<const char*, int*>{"api_port", &options.api_port}}) {
        if (!body.contains(key)) continue;
        if (!body[key].is_number_integer() || body[key].get<long>() < 1 || body[key].get<long>() > 65535)
            return json{{"error", std::string(key) + ": expected a port 1..65535"}};
        *port = body[key].get<int>();
    }
    auto hits = miners::scan_range(options);
    if (!hits) return json{{"error", hits.error().message}};
    json found = json::array();
    for (const auto& h : *hits) {
        if (h.detection.driver.empty()) continue;
        std::string url = "http://" + h.target.host +
                          (h.target.http_port == 80 ? "" : ":" + std::to_string(h.target.http_port));
        found.push_back({{"url", url},
                         {"host", h.target.host},
                         {"driver", h.detection.driver},
                         {"model", h.detection.family + (h.detection.description.empty() ? "" : ", " + h.detection.description)},
                         {"config", miners::config_snippet(h.detection, h.target)}});
    }
    return json{{"miners", found}};
}

Status WebControl::set_override(const std::optional<web::OverrideRequest>& request) {
    // Only a policy with a manual layer acts on an override: say so rather than ignore it.
    const config::SiteConfig cfg = site_.config();
    bool manual = cfg.policy == "manual";
    if (cfg.policy == "layered") {
        auto it = cfg.policy_tables.find("layered");
        const std::vector<std::string> layers =
            policies::LayeredSettings::from(it != cfg.policy_tables.end() ? it->second : Options{})
                .layers;
        manual = std::find(layers.begin(), layers.end(), "manual") != layers.end();
    }
    if (!manual)
        return Status::error(ErrorCode::unsupported,
                             "the policy in use (" + cfg.policy + ") takes no manual override: use "
                             "[policy] use = \"layered\" with \"manual\" in its layers",
                             false);
    loop::ControlLoop& loop = site_.loop();
    if (!request) {
        loop.set_override(std::nullopt);
        return {};
    }
    ManualOverride o;
    if (request->mode == "off") o.mode = ManualOverride::Mode::off;
    else if (request->mode == "min") o.mode = ManualOverride::Mode::min;
    else if (request->mode == "max") o.mode = ManualOverride::Mode::max;
    else return Status::error(ErrorCode::invalid, "override: unknown mode " + request->mode, false);
    if (request->duration <= std::chrono::seconds{0})
        return Status::error(ErrorCode::invalid, "override: the duration must be positive", false);
    o.until = loop.now() + request->duration;
    o.by = "web";
    loop.set_override(o);
    return {};
}

json WebControl::override_state() const {
    auto o = site_.loop().current_override();
    if (!o) return nullptr;
    return {{"mode", to_string(o->mode)}, {"until", iso8601(o->until)}, {"by", o->by}};
}

json WebControl::publish_state() const {
    auto health = site_.publish_health();
    if (!health) return nullptr;
    return {{"ok", health->ok()}, {"last_error", health->message}};
}

}  // namespace hashsink::app
