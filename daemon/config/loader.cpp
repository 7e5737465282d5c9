// One pass over the TOML tree: every problem becomes a Diagnostic, nothing stops early.
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <set>

#include <sys/stat.h>

#include <toml++/toml.h>

#include "daemon/config/config.hpp"
#include "daemon/config/suggest.hpp"
#include "daemon/config/zoneinfo.hpp"

namespace hashsink::config {
namespace {

constexpr std::size_t kMaxFileBytes = 1024 * 1024;
constexpr std::size_t kMaxIdLength = 64;

const char* node_type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::table: return "table";
        case toml::node_type::array: return "array";
        case toml::node_type::string: return "string";
        case toml::node_type::integer: return "integer";
        case toml::node_type::floating_point: return "float";
        case toml::node_type::boolean: return "boolean";
        case toml::node_type::date: return "date";
        case toml::node_type::time: return "time";
        case toml::node_type::date_time: return "date-time";
        default: return "nothing";
    }
}

std::string format_limit(const KeySpec& spec, double v) {
    if (spec.type == KeyType::duration)
        return duration_text(std::llround(v * 1000));
    return format_number(v) + (spec.unit.empty() ? "" : " " + spec.unit);
}

std::string expected_phrase(KeyType t) {
    switch (t) {
        case KeyType::boolean: return "a boolean (true or false)";
        case KeyType::integer: return "an integer";
        case KeyType::number: return "a number";
        case KeyType::string: return "a string";
        case KeyType::duration: return "a duration string like \"5s\"";
        case KeyType::string_list: return "an array of strings";
        case KeyType::table_list: return "an array of tables";
    }
    return "?";
}

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > kMaxIdLength) return false;
    for (char c : id) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

// host:port, [v6]:port; port 1..65535.
std::optional<std::string> listen_problem(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos) return "expected host:port, like \"127.0.0.1:8080\"";
    std::string host = text.substr(0, colon);
    std::string port = text.substr(colon + 1);
    if (host.empty()) return "missing host before the port, like \"0.0.0.0:8080\"";
    if (host.front() == '[') {
        if (host.size() < 3 || host.back() != ']') return "unterminated IPv6 address, like \"[::1]:8080\"";
        for (char c : host.substr(1, host.size() - 2))
            if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':' && c != '.')
                return "invalid IPv6 address " + quoted(host);
    } else {
        if (host.find(':') != std::string::npos)
            return "IPv6 addresses need brackets, like \"[::1]:8080\"";
        for (char c : host)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-')
                return "invalid host " + quoted(host);
    }
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return "invalid port " + quoted(port) + ": expected a number 1..65535";
    long p = std::stol(port);
    if (p < 1 || p > 65535) return "port " + port + " is out of range 1..65535";
    return std::nullopt;
}

std::vector<std::string> names_of(const std::map<std::string, KeyTable>& m) {
    std::vector<std::string> out;
    for (const auto& [name, _] : m) out.push_back(name);
    return out;
}

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

    SiteConfig load(const toml::table& root) {
        SiteConfig cfg;
        cfg.path = file_;
        static const std::vector<std::string> kTop = {"site",    "governor", "journal", "web",
                                                      "policy",  "sources",  "miners",
                                                      "simulate", "publish"};
        for (const auto& [k, node] : root) {
            std::string name(k.str());
            if (std::find(kTop.begin(), kTop.end(), name) == kTop.end())
                error(pos(k.source()), printable(name), "unknown key" + suggestion(name, kTop));
        }
        cfg.site = fixed_section(root, "site", site_keys());
        load_time_zone(root, cfg);
        cfg.governor = fixed_section(root, "governor", governor_keys());
        cfg.journal = fixed_section(root, "journal", journal_keys());
        cfg.web = fixed_section(root, "web", web_keys());
        cfg.publish = fixed_section(root, "publish", catalog_.publish);
        load_policy(root, cfg);
        cfg.sources = plugins(root, "sources", "source", "type", source_keys(),
                              catalog_.source_types, source_ids_);
        cfg.miners = plugins(root, "miners", "miner", "driver", miner_keys(),
                             catalog_.miner_drivers, miner_ids_);
        load_simulate(root, cfg);
        for (auto& s : cfg.sources) s.options.set("timeout", s.common.get_duration("timeout"));
        check_web(root, cfg.web);
        check_refs();
        return cfg;
    }

private:
    // Checks one value against its spec; nullopt (with a diagnostic) when it does not fit.
    std::optional<OptionValue> value(const toml::node& n, const KeySpec& spec,
                                     const std::string& path) {
        auto wrong_type = [&] {
            error(pos(n), path,
                  "expected " + expected_phrase(spec.type) + ", got " + node_type_name(n));
            return std::nullopt;
        };
        auto in_range = [&](double v, const std::string& shown) {
            bool low = spec.min && v < *spec.min;
            bool high = spec.max && v > *spec.max;
            if (!low && !high) return true;
            std::string want;
            if (spec.min && spec.max)
                want = "between " + format_limit(spec, *spec.min) + " and " +
                       format_limit(spec, *spec.max);
            else if (spec.min)
                want = "at least " + format_limit(spec, *spec.min);
            else
                want = "at most " + format_limit(spec, *spec.max);
            error(pos(n), path, shown + " is out of range: must be " + want);
            return false;
        };
        switch (spec.type) {
            case KeyType::boolean:
                if (auto b = n.value_exact<bool>()) return OptionValue{*b};
                return wrong_type();
            case KeyType::integer: {
                auto i = n.value_exact<std::int64_t>();
                if (!i) return wrong_type();
                if (!in_range(static_cast<double>(*i), std::to_string(*i))) return std::nullopt;
                return OptionValue{*i};
            }
            case KeyType::number: {
                double v = 0;
                if (auto i = n.value_exact<std::int64_t>()) v = static_cast<double>(*i);
                else if (auto d = n.value_exact<double>()) v = *d;
                else return wrong_type();
                if (!std::isfinite(v)) {
                    error(pos(n), path, "expected a finite number, got " + format_number(v));
                    return std::nullopt;
                }
                if (!in_range(v, format_number(v))) return std::nullopt;
                if (auto i = n.value_exact<std::int64_t>()) return OptionValue{*i};
                return OptionValue{v};
            }
            case KeyType::string: {
                auto s = n.value_exact<std::string>();
                if (!s) return wrong_type();
                if (!spec.choices.empty() &&
                    std::find(spec.choices.begin(), spec.choices.end(), *s) == spec.choices.end()) {
                    error(pos(n), path,
                          quoted(*s) + " is not one of: " + join(spec.choices) +
                              did_you_mean(*s, spec.choices));
                    return std::nullopt;
                }
                if (spec.ref != RefKind::none && !s->empty())
                    refs_.push_back({spec.ref, *s, pos(n), path});
                return OptionValue{*s};
            }
            case KeyType::duration: {
                auto s = n.value_exact<std::string>();
                if (!s) return wrong_type();
                auto d = parse_duration(*s);
                if (!d || !strict_duration(*s)) {
                    error(pos(n), path,
                          "invalid duration " + quoted(*s) +
                              ": use numbers with units ms, s, m, h, d, like \"500ms\", \"5s\" or "
                              "\"1h30m\"");
                    return std::nullopt;
                }
                double secs = static_cast<double>(d->count()) / 1000.0;
                if (!in_range(secs, quoted(*s))) return std::nullopt;
                return OptionValue{*d};
            }
            case KeyType::string_list: {
                const auto* arr = n.as_array();
                if (!arr) return wrong_type();
                std::vector<std::string> out;
                bool ok = true;
                for (std::size_t i = 0; i < arr->size(); ++i) {
                    const toml::node& e = *arr->get(i);
                    std::string epath = path + "[" + std::to_string(i) + "]";
                    auto s = e.value_exact<std::string>();
                    if (!s) {
                        error(pos(e), epath, std::string("expected a string, got ") +
                                                 node_type_name(e));
                        ok = false;
                        continue;
                    }
                    if (!spec.choices.empty() &&
                        std::find(spec.choices.begin(), spec.choices.end(), *s) ==
                            spec.choices.end()) {
                        error(pos(e), epath,
                              quoted(*s) + " is not one of: " + join(spec.choices) +
                                  did_you_mean(*s, spec.choices));
                        ok = false;
                        continue;
                    }
                    if (spec.ref != RefKind::none) refs_.push_back({spec.ref, *s, pos(e), epath});
                    out.push_back(*s);
                }
                if (!ok) return std::nullopt;
                return OptionValue{std::move(out)};
            }
            case KeyType::table_list:
                return wrong_type();   // check_table handles arrays of tables itself
        }
        return std::nullopt;
    }

    // An array of tables ([[path]]): each entry checked against spec.fields, flattened into
    // `out` as list_key(name, i, field), the entry count under the key itself.
    void table_list(const toml::node& n, const KeySpec& spec, const std::string& path,
                    Options& out) {
        const auto* arr = n.as_array();
        if (!arr || !arr->is_array_of_tables()) {
            if (!arr || !arr->empty()) {
                error(pos(n), path,
                      "expected an array of tables ([[" + path + "]]), got " + node_type_name(n));
                return;
            }
        }
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const toml::table& t = *arr->get(i)->as_table();
            Options item = check_table(t, path + "[" + std::to_string(i) + "]", {&spec.fields},
                                       pos(t));
            for (const auto& [k, v] : item.values()) out.set(list_key(spec.name, i, k), v);
        }
        out.set(spec.name, static_cast<std::int64_t>(arr->size()));
    }

    // parse_duration is lenient about a few shapes ("1.2.3s"); the config is not.
    static bool strict_duration(std::string_view s) {
        std::size_t i = 0;
        while (i < s.size()) {
            std::size_t digits = 0, dots = 0;
            while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) {
                (s[i] == '.' ? dots : digits)++;
                ++i;
            }
            if (digits == 0 || dots > 1) return false;
            while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
        }
        return true;
    }

    static std::string join(const std::vector<std::string>& v) {
        std::string out;
        for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
        return out;
    }
    static std::string did_you_mean(const std::string& word, const std::vector<std::string>& v) {
        if (auto c = closest(word, v)) return "; did you mean \"" + *c + "\"?";
        return {};
    }

    // Validates table t against the key tables (first table wins on a shared name). Keys in
    // `skip` are handled by the caller. With ignore_unknown, keys no table knows are left alone
    // (their plugin is unknown, so they cannot be judged).
    Options check_table(const toml::table& t, const std::string& path,
                        const std::vector<const KeyTable*>& tables, Position table_pos,
                        const std::set<std::string>& skip = {}, bool ignore_unknown = false,
                        const std::vector<std::string>& extra_names = {}) {
        Options out;
        std::set<std::string> present;
        auto find = [&](const std::string& name) -> const KeySpec* {
            for (const auto* table : tables)
                for (const auto& spec : *table)
                    if (spec.name == name) return &spec;
            return nullptr;
        };
        for (const auto& [k, node] : t) {
            std::string name(k.str());
            if (skip.count(name)) continue;
            std::string kpath = path + "." + printable(name);
            const KeySpec* spec = find(name);
            if (!spec) {
                if (ignore_unknown) continue;
                std::vector<std::string> valid;
                for (const auto* table : tables)
                    for (const auto& s : *table)
                        if (std::find(valid.begin(), valid.end(), s.name) == valid.end())
                            valid.push_back(s.name);
                for (const auto& e : extra_names) valid.push_back(e);
                error(pos(k.source()), kpath, "unknown key" + suggestion(name, valid, "valid keys"));
                continue;
            }
            present.insert(name);  // even when bad: no default, no "missing" on top
            if (spec->type == KeyType::table_list) {
                table_list(node, *spec, kpath, out);
                continue;
            }
            if (auto v = value(node, *spec, kpath)) {
                if (spec->check != nullptr) {
                    if (std::string problem = spec->check(*v); !problem.empty()) {
                        error(pos(node), kpath, problem);
                        continue;
                    }
                }
                out.set(name, std::move(*v));
            }
        }
        for (const auto* table : tables) {
            for (const auto& spec : *table) {
                if (present.count(spec.name) || skip.count(spec.name) || out.has(spec.name))
                    continue;
                if (spec.required) {
                    error(table_pos, path + "." + spec.name, "missing required key");
                    present.insert(spec.name);
                } else if (spec.fallback) {
                    out.set(spec.name, *spec.fallback);
                }
            }
        }
        check_one_of(t, path, tables, table_pos, present, out);
        return out;
    }

    // Groups of keys of which exactly one is given (KeySpec::one_of). A key given with a bad
    // value counts as given: its own error is enough.
    void check_one_of(const toml::table& t, const std::string& path,
                      const std::vector<const KeyTable*>& tables, Position table_pos,
                      const std::set<std::string>& present, const Options& out) {
        std::map<std::string, std::vector<std::string>> groups;
        for (const auto* table : tables)
            for (const auto& spec : *table)
                if (!spec.one_of.empty()) groups[spec.one_of].push_back(spec.name);
        for (const auto& [group, names] : groups) {
            std::string listed;
            for (std::size_t i = 0; i < names.size(); ++i)
                listed += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + names[i];
            std::vector<std::string> given;
            std::string empty;   // the first key of the group written as ""
            for (const auto& name : names) {
                if (!present.count(name) || !t.get(name)) continue;
                if (out.has(name)) {
                    const auto& v = out.values().at(name);
                    if (const auto* s = std::get_if<std::string>(&v); s && s->empty()) {
                        if (empty.empty()) empty = name;
                        continue;
                    }
                }
                given.push_back(name);
            }
            if (given.empty() && !empty.empty()) {
                error(pos(*t.get(empty)), path + "." + empty,
                      "empty: give exactly one of " + listed);
            } else if (given.empty()) {
                error(table_pos, path + "." + names.front(),
                      "missing: give exactly one of " + listed);
            } else {
                for (std::size_t i = 1; i < given.size(); ++i)
                    error(pos(*t.get(given[i])), path + "." + given[i],
                          "give exactly one of " + listed + "; " + given.front() +
                              " is given too");
            }
        }
    }

    const toml::table* section(const toml::table& root, const char* name) {
        const toml::node* n = root.get(name);
        if (!n) return nullptr;
        if (const auto* t = n->as_table()) return t;
        error(pos(*n), name, std::string("expected a table ([") + name + "]), got " +
                                 node_type_name(*n));
        return nullptr;
    }

    // [site] timezone: the zone's file is read here, once, so a bad name fails `check`.
    void load_time_zone(const toml::table& root, SiteConfig& cfg) {
        const std::string name = cfg.site.get_string("timezone");
        if (name.empty()) return;
        auto zone = load_zoneinfo(name);
        if (zone) {
            cfg.time_zone = std::move(*zone);
            return;
        }
        const toml::table* site = section(root, "site");
        const toml::node* node = site ? site->get("timezone") : nullptr;
        error(node ? pos(*node) : Position{file_, 1, 1}, "site.timezone", zone.error().message);
    }

    Options fixed_section(const toml::table& root, const char* name, const KeyTable& keys) {
        static const toml::table kEmpty;
        const toml::table* t = section(root, name);
        bool bad = !t && root.get(name);
        Position where = t ? pos(*t) : Position{file_, 1, 1};
        if (bad) return with_defaults(keys);  // already reported; avoid "missing" noise
        return check_table(t ? *t : kEmpty, name, {&keys}, where);
    }

    void load_policy(const toml::table& root, SiteConfig& cfg) {
        static const toml::table kEmpty;
        const toml::table* t = section(root, "policy");
        if (!t && root.get("policy")) return;  // reported by section()
        const toml::table& policy = t ? *t : kEmpty;
        Position where = t ? pos(*t) : Position{file_, 1, 1};

        KeyTable keys = policy_keys();
        keys.front().choices = names_of(catalog_.policies);
        std::set<std::string> skip;
        for (const auto& [k, node] : policy) {
            std::string name(k.str());
            if (name != "use" && (node.is_table() || catalog_.policies.count(name))) skip.insert(name);
        }
        Options top = check_table(policy, "policy", {&keys}, where, skip, false,
                                  names_of(catalog_.policies));
        cfg.policy = top.get_string("use");
        bool use_known = catalog_.policies.count(cfg.policy) != 0;

        for (const auto& name : skip) {
            const toml::node& node = *policy.get(name);
            std::string path = "policy." + printable(name);
            auto known = catalog_.policies.find(name);
            if (known == catalog_.policies.end()) {
                const toml::key* k = nullptr;
                for (const auto& [key, _] : policy)
                    if (key.str() == name) k = &key;
                error(k ? pos(k->source()) : pos(node), path,
                      "unknown policy" + suggestion(name, names_of(catalog_.policies),
                                                    "known policies"));
                continue;
            }
            const auto* sub = node.as_table();
            if (!sub) {
                error(pos(node), path,
                      std::string("expected a table ([") + path + "]), got " + node_type_name(node));
                continue;
            }
            Options o = check_table(*sub, path, {&known->second}, pos(*sub));
            cfg.policy_tables[name] = o;
            if (name == cfg.policy) cfg.policy_options = std::move(o);
        }
        // The policy in use needs its defaults (and required keys) even without its own table.
        if (use_known && !skip.count(cfg.policy)) {
            cfg.policy_options = check_table(kEmpty, "policy." + cfg.policy,
                                             {&catalog_.policies.at(cfg.policy)}, where);
            cfg.policy_tables[cfg.policy] = cfg.policy_options;
        }
    }

    // [simulate]: settings only `simulate` reads. [[simulate.buildings]], one per zone.
    void load_simulate(const toml::table& root, SiteConfig& cfg) {
        const toml::table* t = section(root, "simulate");
        if (!t) return;
        static const std::vector<std::string> kKeys = {"buildings"};
        for (const auto& [k, node] : *t) {
            std::string name(k.str());
            std::string path = "simulate." + printable(name);
            if (name != "buildings") {
                error(pos(k.source()), path, "unknown key" + suggestion(name, kKeys, "valid keys"));
                continue;
            }
            const auto* arr = node.as_array();
            if (!arr) {
                error(pos(node), path, std::string("expected an array of tables "
                                                   "([[simulate.buildings]]), got ") +
                                           node_type_name(node));
                continue;
            }
            std::map<std::string, int> zones;   // zone -> line of its first building
            for (std::size_t i = 0; i < arr->size(); ++i) {
                const toml::node& e = *arr->get(i);
                std::string epath = path + "[" + std::to_string(i) + "]";
                const auto* bt = e.as_table();
                if (!bt) {
                    error(pos(e), epath, std::string("expected a table ([[simulate.buildings]]), got ") +
                                             node_type_name(e));
                    continue;
                }
                BuildingConfig b{check_table(*bt, epath, {&simulate_building_keys()}, pos(*bt)), pos(*bt)};
                if (const toml::node* zn = bt->get("zone"); zn && zn->is_string()) {
                    std::string zone = b.options.get_string("zone");
                    if (auto prev = zones.find(zone); prev != zones.end())
                        error(pos(*zn), epath + ".zone",
                              "zone " + quoted(zone) + " already has a building (line " +
                                  std::to_string(prev->second) + ")");
                    else
                        zones.emplace(zone, pos(*zn).line);
                }
                cfg.simulate_buildings.push_back(std::move(b));
            }
        }
    }

    std::vector<PluginConfig> plugins(const toml::table& root, const char* name,
                                      const char* noun, const char* kind_key,
                                      const KeyTable& common, const std::map<std::string, KeyTable>& kinds,
                                      std::map<std::string, int>& ids) {
        std::vector<PluginConfig> out;
        const toml::node* n = root.get(name);
        if (!n) return out;
        const auto* arr = n->as_array();
        if (!arr) {
            error(pos(*n), name, std::string("expected an array of tables ([[") + name +
                                     "]]), got " + node_type_name(*n));
            return out;
        }
        for (std::size_t i = 0; i < arr->size(); ++i) {
            const toml::node& e = *arr->get(i);
            std::string path = std::string(name) + "[" + std::to_string(i) + "]";
            const auto* t = e.as_table();
            if (!t) {
                error(pos(e), path, std::string("expected a table ([[") + name + "]]), got " +
                                        node_type_name(e));
                continue;
            }
            PluginConfig pc;
            pc.where = pos(*t);

            // The kind decides which keys exist, so look at it first.
            const KeyTable* kind_keys = nullptr;
            bool kind_bad = true;
            if (const toml::node* kn = t->get(kind_key)) {
                if (auto s = kn->value_exact<std::string>()) {
                    auto it = kinds.find(*s);
                    if (it != kinds.end()) {
                        kind_keys = &it->second;
                        kind_bad = false;
                    } else {
                        std::string kinds_word = std::string("known ") + noun +
                                                 (std::string(noun) == "source" ? " types" : " drivers");
                        std::string msg = "unknown " + std::string(noun) +
                                          (std::string(noun) == "source" ? " type " : " driver ") +
                                          quoted(*s);
                        if (kinds.empty())
                            msg += std::string(" (no ") + noun +
                                   (std::string(noun) == "source" ? " types" : " drivers") +
                                   " are built in)";
                        else
                            msg += suggestion(*s, names_of(kinds), kinds_word);
                        error(pos(*kn), path + "." + kind_key, msg);
                    }
                }
            }
            KeyTable common_copy = common;
            std::vector<const KeyTable*> tables{&common_copy};
            if (kind_keys) tables.push_back(kind_keys);
            std::set<std::string> skip;
            if (const toml::node* kn = t->get(kind_key); kn && kn->is_string() && kind_bad)
                skip.insert(kind_key);  // reported above
            Options all = check_table(*t, path, tables, pc.where, skip,
                                      /*ignore_unknown=*/kind_bad);
            for (const auto& [key, v] : all.values()) {
                bool is_common = std::any_of(common.begin(), common.end(),
                                             [&](const KeySpec& s) { return s.name == key; });
                (is_common ? pc.common : pc.options).set(key, v);
            }
            pc.id = pc.common.get_string("id");
            if (const toml::node* kn = t->get(kind_key))
                pc.kind = kn->value_or(std::string{});

            if (const toml::node* idn = t->get("id"); idn && idn->is_string()) {
                int line = pos(*idn).line;
                if (!valid_id(pc.id)) {
                    error(pos(*idn), path + ".id",
                          "invalid id " + quoted(pc.id) +
                              ": use 1 to 64 letters, digits, '_', '-' or '.'");
                } else if (auto prev = ids.find(pc.id); prev != ids.end()) {
                    error(pos(*idn), path + ".id",
                          "duplicate " + std::string(noun) + " id " + quoted(pc.id) +
                              " (first defined at line " + std::to_string(prev->second) + ")");
                } else {
                    ids.emplace(pc.id, line);
                }
            }
            if (std::string(noun) == "miner") check_power(*t, path, pc);
            out.push_back(std::move(pc));
        }
        return out;
    }

    void check_power(const toml::table& t, const std::string& path, const PluginConfig& pc) {
        auto min = pc.common.find_number("min_power_w");
        auto max = pc.common.find_number("max_power_w");
        if (!min || !max || *max <= 0 || *min <= *max) return;
        const toml::node* n = t.get("min_power_w");
        error(n ? pos(*n) : pc.where, path + ".min_power_w",
              "min_power_w (" + format_number(*min) + " W) is greater than max_power_w (" +
                  format_number(*max) + " W)");
    }

    void check_web(const toml::table& root, const Options& web) {
        std::string listen = web.get_string("listen");
        if (!web.has("listen")) return;
        auto problem = listen_problem(listen);
        if (!problem) return;
        Position where{file_, 1, 1};
        if (const toml::node* n = root.at_path("web.listen").node()) where = pos(*n);
        error(where, "web.listen", *problem);
    }

    void check_refs() {
        for (const auto& r : refs_) {
            const auto& ids = r.kind == RefKind::source ? source_ids_ : miner_ids_;
            if (ids.count(r.id)) continue;
            const char* noun = r.kind == RefKind::source ? "source" : "miner";
            std::vector<std::string> known;
            for (const auto& [id, _] : ids) known.push_back(id);
            std::string msg = std::string("unknown ") + noun + " id " + quoted(r.id);
            if (known.empty())
                msg += std::string(" (no [[") + noun + "s]] are defined)";
            else
                msg += suggestion(r.id, known, std::string("defined ") + noun + "s");
            error(r.where, r.path, msg);
        }
    }

    const Catalog& catalog_;
    std::string file_;
    std::vector<Diagnostic> diags_;
    std::vector<PendingRef> refs_;
    std::map<std::string, int> source_ids_, miner_ids_;  // id -> line of first definition
};

// The parser's own text, already escaped by it; only keep control bytes off the terminal.
std::string sanitized(std::string_view text) {
    std::string out(text.substr(0, 512));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return out;
}

LoadResult finish(std::vector<Diagnostic> diags, std::optional<SiteConfig> cfg) {
    std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
    });
    LoadResult r;
    r.diagnostics = std::move(diags);
    if (r.diagnostics.empty()) r.config = std::move(cfg);
    return r;
}

}  // namespace

LoadResult load_string(std::string_view text, const std::string& file_name,
                       const Catalog& catalog) {
    if (text.size() > kMaxFileBytes) {
        return finish({Diagnostic{{file_name, 0, 0}, "",
                                  "file is larger than 1 MiB (" + std::to_string(text.size()) +
                                      " bytes); this is not a hashsink config"}},
                      std::nullopt);
    }
    toml::table root;
    try {
        root = toml::parse(text, file_name);
    } catch (const toml::parse_error& e) {
        Position where{file_name, static_cast<int>(e.source().begin.line),
                       static_cast<int>(e.source().begin.column)};
        return finish({Diagnostic{where, "", "TOML syntax error: " + sanitized(e.description())}},
                      std::nullopt);
    } catch (const std::exception& e) {
        return finish({Diagnostic{{file_name, 0, 0}, "", std::string("cannot parse: ") + e.what()}},
                      std::nullopt);
    }
    try {
        Loader loader(catalog, file_name);
        SiteConfig cfg = loader.load(root);
        return finish(std::move(loader.diagnostics()), std::move(cfg));
    } catch (const std::exception& e) {
        // A bug, not bad input; still a diagnostic rather than a crash of `check`.
        return finish({Diagnostic{{file_name, 0, 0}, "", std::string("internal error: ") + e.what()}},
                      std::nullopt);
    }
}

LoadResult load_file(const std::string& path, const Catalog& catalog) {
    auto fail = [&](const std::string& message) {
        return finish({Diagnostic{{path, 0, 0}, "", message}}, std::nullopt);
    };
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return fail("cannot read file: is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(std::string("cannot read file: ") + std::strerror(errno));
    std::string text;
    text.resize(kMaxFileBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return fail("cannot read file: read error");
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) return fail("file is larger than 1 MiB; this is not a hashsink config");
    return load_string(text, path, catalog);
}

}  // namespace hashsink::config
