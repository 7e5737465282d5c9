// A plugin type by name (a miner driver family, a source type): its keys, and a factory that
// builds the plugin from options validated against them. Registries are tables of these.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/options.hpp"
#include "daemon/core/settings.hpp"

namespace hashsink {

template <class Plugin>
struct PluginType {
    std::string name;
    std::string summary;
    KeyTable keys;
    // id: the plugin's id from the config; options: validated against keys.
    std::function<std::unique_ptr<Plugin>(const std::string& id, const Options& options)> make;
};

// A type from its one declaration: the keys of its settings, and the plugin built from the
// config those settings bind.
template <class Plugin, class Made, class Config>
PluginType<Plugin> plugin_type(std::string name, std::string summary,
                               const Settings<Config>& (*settings)()) {
    return {std::move(name), std::move(summary), settings().keys(),
            [settings](const std::string& id, const Options& options) -> std::unique_ptr<Plugin> {
                return std::make_unique<Made>(id, settings().from(options));
            }};
}

// A type whose class declares its own keys() and config_from(options).
template <class Plugin, class Made>
PluginType<Plugin> plugin_type(std::string name, std::string summary) {
    return {std::move(name), std::move(summary), Made::keys(),
            [](const std::string& id, const Options& options) -> std::unique_ptr<Plugin> {
                return std::make_unique<Made>(id, Made::config_from(options));
            }};
}

// The entry of `types` called `name`, or null.
template <class Plugin>
const PluginType<Plugin>* find_plugin_type(const std::vector<PluginType<Plugin>>& types,
                                           const std::string& name) {
    for (const auto& t : types)
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace hashsink
