// The config loader's inside, shared by its files: one pass over the TOML tree in which every
// problem becomes a Diagnostic and nothing stops early. loader.cpp parses and runs the pass,
// loader_keys.cpp checks a table's keys and values against their key tables,
// loader_sections.cpp reads each section ([site], [policy], [[sources]], ...) and
// loader_refs.cpp checks ids and the references between them.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "daemon/config/config.hpp"

namespace hashsink::config::detail {

// "table", "string", "integer", ...: what a node is, for "expected X, got Y".
const char* node_type_name(const toml::node& n);

// A string value of a reference key ("source", "miner"), checked once every id is known.
struct PendingRef {
    RefKind kind;
    std::string id;
    Position where;
    std::string path;
};

class Loader {
public:
    Loader(const Catalog& catalog, std::string file) : catalog_(catalog), file_(std::move(file)) {}

    std::vector<Diagnostic>& diagnostics() { return diags_; }

    void error(Position where, std::string path, std::string message) {
        diags_.push_back(Diagnostic{std::move(where), std::move(path), std::move(message)});
    }

    Position pos(const toml::source_region& region) const {
        Position p{file_, static_cast<int>(region.begin.line),
                   static_cast<int>(region.begin.column)};
        if (p.line <= 0) p = Position{file_, 1, 1};
        return p;
    }
    Position pos(const toml::node& n) const { return pos(n.source()); }

    SiteConfig load(const toml::table& root);

private:
    // loader_keys.cpp
    // Checks one value against its spec; nullopt (with a diagnostic) when it does not fit.
    std::optional<OptionValue> value(const toml::node& n, const KeySpec& spec,
                                     const std::string& path);
    std::optional<OptionValue> wrong_type(const toml::node& n, const KeySpec& spec,
                                          const std::string& path);
    // Whether v (shown as `shown`) is within the spec's min and max; a diagnostic when not.
    bool in_range(const toml::node& n, const KeySpec& spec, const std::string& path, double v,
                  const std::string& shown);
    // Whether s is one of the spec's choices (or it has none); a diagnostic when not.
    bool private_enough(const toml::node& n, const KeySpec& spec, const std::string& path,
                        const std::string& file);
    bool is_choice(const toml::node& n, const KeySpec& spec, const std::string& path,
                   const std::string& s);
    std::optional<OptionValue> number_value(const toml::node& n, const KeySpec& spec,
                                            const std::string& path);
    std::optional<OptionValue> string_value(const toml::node& n, const KeySpec& spec,
                                            const std::string& path);
    std::optional<OptionValue> duration_value(const toml::node& n, const KeySpec& spec,
                                              const std::string& path);
    std::optional<OptionValue> string_list_value(const toml::node& n, const KeySpec& spec,
                                                 const std::string& path);
    // An array of tables ([[path]]): each entry checked against spec.fields, flattened into
    // `out` as list_key(name, i, field), the entry count under the key itself.
    void table_list(const toml::node& n, const KeySpec& spec, const std::string& path,
                    Options& out);
    // Validates table t against the key tables (first table wins on a shared name). Keys in
    // `skip` are handled by the caller. With ignore_unknown, keys no table knows are left alone
    // (their plugin is unknown, so they cannot be judged).
    Options check_table(const toml::table& t, const std::string& path,
                        const std::vector<const KeyTable*>& tables, Position table_pos,
                        const std::set<std::string>& skip = {}, bool ignore_unknown = false,
                        const std::vector<std::string>& extra_names = {});
    // Groups of keys of which exactly one is given (KeySpec::one_of). A key given with a bad
    // value counts as given: its own error is enough.
    void check_one_of(const toml::table& t, const std::string& path,
                      const std::vector<const KeyTable*>& tables, Position table_pos,
                      const std::set<std::string>& present, const Options& out);

    // loader_sections.cpp
    const toml::table* section(const toml::table& root, const char* name);
    void load_time_zone(const toml::table& root, SiteConfig& cfg);
    Options fixed_section(const toml::table& root, const char* name, const KeyTable& keys);
    void load_policy(const toml::table& root, SiteConfig& cfg);
    void load_simulate(const toml::table& root, SiteConfig& cfg);
    std::vector<PluginConfig> plugins(const toml::table& root, const char* name,
                                      const char* noun, const char* kind_key,
                                      const KeyTable& common,
                                      const std::map<std::string, KeyTable>& kinds,
                                      std::map<std::string, int>& ids);
    // The key table of the entry's kind (its type or driver); nullptr when it is missing or
    // unknown (reported).
    const KeyTable* plugin_kind(const toml::table& t, const std::string& path, const char* noun,
                                const char* kind_key,
                                const std::map<std::string, KeyTable>& kinds);
    void check_power(const toml::table& t, const std::string& path, const PluginConfig& pc);
    // `section`.listen (web, modbus_server) is host:port.
    void check_listen(const toml::table& root, const Options& options, const std::string& section);

    // loader_refs.cpp
    // An entry's id: valid, and not one an earlier entry of the same noun has.
    void check_id(const toml::table& t, const std::string& path, const char* noun,
                  const PluginConfig& pc, std::map<std::string, int>& ids);
    // A miner's address (its url, or host and port): not one an earlier enabled miner has.
    void check_address(const toml::table& t, const std::string& path, const PluginConfig& pc);
    void check_refs();

    const Catalog& catalog_;
    std::string file_;
    std::vector<Diagnostic> diags_;
    std::vector<PendingRef> refs_;
    std::map<std::string, int> source_ids_, miner_ids_;  // id -> line of first definition
    struct FirstAt {
        std::string id;
        int line = 0;
    };
    std::map<std::string, FirstAt> miner_addresses_;  // "host:port/path" -> the first miner there
};

}  // namespace hashsink::config::detail
