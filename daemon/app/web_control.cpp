#include "daemon/app/web_control.hpp"

#include "adapters/miners/miner_json.hpp"
#include "adapters/miners/registry.hpp"
#include "adapters/sensors/registry.hpp"
#include "daemon/app/catalog.hpp"
#include "daemon/app/site.hpp"
#include "policies/registry.hpp"

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

std::optional<json> WebControl::scan(const json&) { return std::nullopt; }

Status WebControl::set_override(const std::optional<web::OverrideRequest>&) {
    return Status::error(ErrorCode::unsupported, "manual override is not built in yet", false);
}

json WebControl::override_state() const { return nullptr; }

}  // namespace hashsink::app
