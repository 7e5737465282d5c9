// Sections: [site], [governor], [journal], [web], [publish], [modbus_server], [policy] and its
// policies' tables, [[sources]] and [[miners]] by their type or driver, [simulate].
#include <algorithm>

#include "daemon/config/loader.hpp"
#include "daemon/config/suggest.hpp"
#include "daemon/config/zoneinfo.hpp"

namespace hashsink::config::detail {
namespace {

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

}  // namespace

const toml::table* Loader::section(const toml::table& root, const char* name) {
    const toml::node* n = root.get(name);
    if (!n) return nullptr;
    if (const auto* t = n->as_table()) return t;
    error(pos(*n), name, std::string("expected a table ([") + name + "]), got " +
                             node_type_name(*n));
    return nullptr;
}

// [site] timezone: the zone's file is read here, once, so a bad name fails `check`.
void Loader::load_time_zone(const toml::table& root, SiteConfig& cfg) {
    const std::string name = site_settings().from(cfg.site).timezone;
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

Options Loader::fixed_section(const toml::table& root, const char* name, const KeyTable& keys) {
    static const toml::table kEmpty;
    const toml::table* t = section(root, name);
    bool bad = !t && root.get(name);
    Position where = t ? pos(*t) : Position{file_, 1, 1};
    if (bad) return with_defaults(keys);  // already reported; avoid "missing" noise
    return check_table(t ? *t : kEmpty, name, {&keys}, where);
}

void Loader::load_policy(const toml::table& root, SiteConfig& cfg) {
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
void Loader::load_simulate(const toml::table& root, SiteConfig& cfg) {
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

std::vector<PluginConfig> Loader::plugins(const toml::table& root, const char* name,
                                          const char* noun, const char* kind_key,
                                          const KeyTable& common,
                                          const std::map<std::string, KeyTable>& kinds,
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
        const KeyTable* kind_keys = plugin_kind(*t, path, noun, kind_key, kinds);
        const bool kind_bad = kind_keys == nullptr;
        KeyTable common_copy = common;
        std::vector<const KeyTable*> tables{&common_copy};
        if (kind_keys) tables.push_back(kind_keys);
        std::set<std::string> skip;
        if (const toml::node* kn = t->get(kind_key); kn && kn->is_string() && kind_bad)
            skip.insert(kind_key);  // reported by plugin_kind
        Options all = check_table(*t, path, tables, pc.where, skip,
                                  /*ignore_unknown=*/kind_bad);
        for (const auto& entry : all.values()) {
            const auto& key = entry.first;  // a named copy: clang 14 cannot capture a binding
            bool is_common = std::any_of(common.begin(), common.end(),
                                         [&](const KeySpec& s) { return s.name == key; });
            (is_common ? pc.common : pc.options).set(key, entry.second);
        }
        pc.id = pc.common.get_string("id");
        if (const toml::node* kn = t->get(kind_key))
            pc.kind = kn->value_or(std::string{});

        check_id(*t, path, noun, pc, ids);
        if (std::string(noun) == "miner") {
            check_power(*t, path, pc);
            check_address(*t, path, pc);
        }
        out.push_back(std::move(pc));
    }
    return out;
}

const KeyTable* Loader::plugin_kind(const toml::table& t, const std::string& path,
                                    const char* noun, const char* kind_key,
                                    const std::map<std::string, KeyTable>& kinds) {
    const toml::node* kn = t.get(kind_key);
    if (!kn) return nullptr;
    auto s = kn->value_exact<std::string>();
    if (!s) return nullptr;
    auto it = kinds.find(*s);
    if (it != kinds.end()) return &it->second;
    std::string kinds_word = std::string("known ") + noun +
                             (std::string(noun) == "source" ? " types" : " drivers");
    std::string msg = "unknown " + std::string(noun) +
                      (std::string(noun) == "source" ? " type " : " driver ") + quoted(*s);
    if (kinds.empty())
        msg += std::string(" (no ") + noun +
               (std::string(noun) == "source" ? " types" : " drivers") + " are built in)";
    else
        msg += suggestion(*s, names_of(kinds), kinds_word);
    error(pos(*kn), path + "." + kind_key, msg);
    return nullptr;
}


void Loader::check_power(const toml::table& t, const std::string& path, const PluginConfig& pc) {
    auto min = pc.common.find_number("min_power_w");
    auto max = pc.common.find_number("max_power_w");
    if (!min || !max || *max <= 0 || *min <= *max) return;
    const toml::node* n = t.get("min_power_w");
    error(n ? pos(*n) : pc.where, path + ".min_power_w",
          "min_power_w (" + format_number(*min) + " W) is greater than max_power_w (" +
              format_number(*max) + " W)");
}

void Loader::check_listen(const toml::table& root, const Options& options,
                          const std::string& section) {
    if (!options.has("listen")) return;
    auto problem = listen_problem(options.get_string("listen"));
    if (!problem) return;
    Position where{file_, 1, 1};
    if (const toml::node* n = root.at_path(section + ".listen").node()) where = pos(*n);
    error(where, section + ".listen", *problem);
}

}  // namespace hashsink::config::detail
