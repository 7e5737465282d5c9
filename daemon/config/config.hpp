// Site configuration: one TOML file, validated in one pass against the key tables of every
// plugin, every problem reported at FILE:LINE:COL. The same path serves `run`, `check` and the
// web page, as one configure(cfg, check_only) does in Kea.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/settings.hpp"
#include "daemon/core/time_zone.hpp"
#include "daemon/loop/loop_settings.hpp"

namespace hashsink::config {

inline constexpr int kExitConfig = 78;  // EX_CONFIG

struct Position {
    std::string file;
    int line = 0;
    int column = 0;
};

struct Diagnostic {
    Position where;
    std::string key_path;   // e.g. "miners[2].max_power_w"
    std::string message;
    // "FILE:LINE:COL: error: key.path: message"
    std::string format() const;
};

// Key tables of everything pluggable, by name. The app fills it from the registries, so the
// config layer knows no plugin.
struct Catalog {
    std::map<std::string, KeyTable> source_types;
    std::map<std::string, KeyTable> miner_drivers;
    std::map<std::string, KeyTable> policies;
    // [publish]: the status over MQTT. The app's table, as it holds the shared MQTT broker keys;
    // empty: no [publish] section is accepted.
    KeyTable publish;
    // [sparkplug]: the Sparkplug B edge node (the app's table, for the same reason).
    KeyTable sparkplug;
};

struct PluginConfig {
    std::string id;
    std::string kind;       // source type or miner driver name
    Options common;         // keys every source (or miner) has: see source_keys(), miner_keys()
    Options options;        // the plugin's own keys
    Position where;
};

// One [[simulate.buildings]] entry: a zone's thermal model, used only by `simulate`.
struct BuildingConfig {
    Options options;
    Position where;
};

struct SiteConfig {
    std::string path;
    Options site;           // [site]
    // [site] timezone, loaded (daemon/config/zoneinfo.hpp); nullopt when not given. Policies
    // that read local time get it (policies::make_policy).
    std::optional<TimeZone> time_zone;
    Options governor;       // [governor]
    Options journal;        // [journal]
    Options web;            // [web]
    Options publish;        // [publish] (Catalog::publish)
    Options sparkplug;      // [sparkplug] (Catalog::sparkplug)
    // [modbus_server] (modbus_server_keys()); nullopt when the file has no such table: the
    // table itself switches the server on.
    std::optional<Options> modbus_server;
    std::string policy;     // [policy] use
    Options policy_options; // [policy.<use>]
    // Every valid [policy.<name>] table, defaults filled in, and the one in use: simulate
    // --policy picks one; a layered policy builds its layers from them (policies::make_policy).
    std::map<std::string, Options> policy_tables;
    std::vector<PluginConfig> sources;   // [[sources]]
    std::vector<PluginConfig> miners;    // [[miners]]
    std::vector<BuildingConfig> simulate_buildings;   // [[simulate.buildings]]
};

// Fixed sections' key tables (also drive docs/config-reference.md and the web form).
// Sections bound to structs: each key declared once (config.cpp), read through these.
struct JournalSection {
    std::string path;
    Duration retention{};
    Duration keep_raw{};
    Duration commit_interval{};
    Duration history_interval{};
    bool on_change = true;
    Duration heartbeat{};
    double power_deadband_w = 0;
    double power_deadband_pct = 0;
    double temperature_deadband_c = 0;
};
struct WebSection {
    bool enabled = false;
    std::string listen;
    bool public_status = false;
    std::string metrics_token_file;
};
// [modbus_server]: a Modbus TCP server for a SCADA, PLC or energy manager (docs/industrial.md).
struct ModbusServerSection {
    std::string listen;
    Duration heartbeat_timeout{};  // 0: the limit never lapses
    double failsafe_limit_w = 0;   // the limit while the heartbeat has lapsed
    int max_clients = 0;
    Duration idle_timeout{};  // a connection silent this long is closed
};
struct SourceCommon {
    std::string id;
    std::string type;
    Duration poll_interval{};
    Duration max_age{};
    Duration timeout{};
};
struct MinerCommon {
    std::string id;
    std::string driver;
    bool enabled = false;
    double max_power_w = 0;
    double min_power_w = 0;
};
// [site]: the loop's part (period, max_draw_w, safe_state) and the rest.
struct SiteSection {
    std::string name;
    loop::LoopSettings loop;  // period, limits.max_draw_w, limits.safe_state
    std::string timezone;
    Duration miner_poll_interval{};
    // The site's equipment as `hashsink simulate` models it.
    double battery_kwh = 0;
    double battery_power_w = 0;
    double battery_efficiency = 0;
    double battery_soc_pct = 0;
    Duration genset_trip_after{};
    double genset_trip_hz = 0;
    Duration genset_restart{};
};
// site_settings.cpp: [site], and [governor] bound to the loop's own settings.
const Settings<SiteSection>& site_settings();
const Settings<loop::LoopSettings>& governor_settings();
// The loop's settings from [site] and [governor] (and the miner count: its thread pool).
loop::LoopSettings loop_settings(const SiteConfig& cfg);

const Settings<JournalSection>& journal_settings();
const Settings<WebSection>& web_settings();
const Settings<ModbusServerSection>& modbus_server_settings();
const Settings<SourceCommon>& source_settings();
const Settings<MinerCommon>& miner_settings();

const KeyTable& site_keys();
const KeyTable& governor_keys();
const KeyTable& journal_keys();
const KeyTable& web_keys();
const KeyTable& modbus_server_keys();
const KeyTable& policy_keys();   // [policy] itself: `use` (its choices come from the catalog)
const KeyTable& source_keys();   // id, type, and keys common to every source
const KeyTable& miner_keys();    // id, driver, and keys common to every miner
const KeyTable& simulate_building_keys();   // [[simulate.buildings]]: simulate_keys.cpp

struct LoadResult {
    std::optional<SiteConfig> config;       // set only when there are no diagnostics
    std::vector<Diagnostic> diagnostics;
    bool ok() const { return config.has_value() && diagnostics.empty(); }
};

LoadResult load_file(const std::string& path, const Catalog& catalog);
LoadResult load_string(std::string_view toml_text, const std::string& file_name,
                       const Catalog& catalog);

// Markdown reference of every key in the catalog and the fixed sections.
std::string reference_markdown(const Catalog& catalog);

}  // namespace hashsink::config
