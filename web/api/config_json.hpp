// The config as the web forms see it. The forms are generated from the key tables (the same
// tables that validate the file), the file travels as JSON shaped like the TOML, and the page's
// JSON becomes TOML text again for the one loader that `check` and `run` use.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "daemon/config/config.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::web {

nlohmann::json key_json(const KeySpec& spec);
nlohmann::json table_json(const KeyTable& table);
// Fixed sections, the keys common to sources and miners, and every plugin's keys.
nlohmann::json catalog_json(const config::Catalog& catalog, const nlohmann::json& summaries);

// TOML text -> JSON with the same shape. Secret keys (KeySpec::secret) are left out and listed
// in "_secrets_set" as key paths, so the page can say "set" without ever seeing them.
Result<nlohmann::json> config_to_json(const std::string& toml_text,
                                      const config::Catalog& catalog);
// The page's JSON -> TOML text. Secret keys the page left out keep their value from
// previous_toml (matched by section, or by id for sources and miners). Shape errors (not
// value errors: the loader judges those) are reported with their key path.
Result<std::string> json_to_toml(const nlohmann::json& doc, const std::string& previous_toml,
                                 const config::Catalog& catalog);

// Diagnostics for the page: [{path, message, line, column}].
nlohmann::json diagnostics_json(const std::vector<config::Diagnostic>& diags);

}  // namespace hashsink::web
