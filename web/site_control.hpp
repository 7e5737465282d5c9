// What the web layer may ask of the running site. The app implements it (it sees the plugin
// registries and the loop); the web layer only sees this interface, so its layering stays
// core + loop + journal + config.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "daemon/config/config.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::web {

struct OverrideRequest {
    std::string mode;                   // "off", "min" or "max"
    std::chrono::seconds duration{0};   // from now
};

class SiteControl {
public:
    virtual ~SiteControl() = default;
    virtual const config::Catalog& catalog() const = 0;
    // {"sources": {name: summary}, "miners": {...}, "policies": {...}}
    virtual nlohmann::json summaries() const = 0;
    // Applies a validated config to the running site; the text says what changed.
    virtual Result<std::string> apply(const config::SiteConfig& cfg) = 0;
    // Builds the device from validated options, reads it once (bounded by its timeout) and
    // returns what it read: {"ok": bool, "error": text, ...}.
    virtual nlohmann::json test_miner(const config::PluginConfig& miner) = 0;
    virtual nlohmann::json test_source(const config::PluginConfig& source) = 0;
    // Network scan for miners; nullopt when no scanner is built in.
    virtual std::optional<nlohmann::json> scan(const nlohmann::json& request) = 0;
    // nullopt clears the override.
    virtual Status set_override(const std::optional<OverrideRequest>& request) = 0;
    virtual nlohmann::json override_state() const = 0;
    // [publish]: {"ok": bool, "last_error": text}; null while it does not run.
    virtual nlohmann::json publish_state() const = 0;
};

}  // namespace hashsink::web
