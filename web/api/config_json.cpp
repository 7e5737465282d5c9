#include "web/api/config_json.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include <toml++/toml.h>

namespace hashsink::web {
namespace {

using nlohmann::json;

constexpr std::size_t kMaxItems = 1000;      // sources or miners
constexpr std::size_t kMaxStringBytes = 4096;

json value_json(const OptionValue& v, KeyType type) {
    return std::visit(
        [&](const auto& x) -> json {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, Duration>) return format_duration(x);
            else return json(x);
        },
        v);
    (void)type;
}

json node_json(const toml::node& n) {
    if (auto t = n.as_table()) {
        json o = json::object();
        for (const auto& [k, v] : *t) o[std::string(k.str())] = node_json(v);
        return o;
    }
    if (auto a = n.as_array()) {
        json arr = json::array();
        for (const auto& e : *a) arr.push_back(node_json(e));
        return arr;
    }
    if (auto s = n.value_exact<std::string>()) return *s;
    if (auto i = n.value_exact<std::int64_t>()) return *i;
    if (auto d = n.value_exact<double>()) return std::isfinite(*d) ? json(*d) : json(nullptr);
    if (auto b = n.value_exact<bool>()) return *b;
    return nullptr;   // dates and times: no key takes them
}

// The sections of fixed keys, in the order a saved file lists them.
constexpr const char* kFixedSections[] = {"site",    "governor",  "journal",      "web",
                                          "publish", "sparkplug", "modbus_server"};

const KeyTable* plugin_table(const config::Catalog& c, const std::string& section,
                             const std::string& kind) {
    const auto& m = section == "sources" ? c.source_types : c.miner_drivers;
    auto it = m.find(kind);
    return it == m.end() ? nullptr : &it->second;
}

std::vector<const KeyTable*> tables_for(const config::Catalog& c, const std::string& section,
                                        const json& item) {
    if (section == "site") return {&config::site_keys()};
    if (section == "governor") return {&config::governor_keys()};
    if (section == "journal") return {&config::journal_keys()};
    if (section == "web") return {&config::web_keys()};
    if (section == "publish") return {&c.publish};
    if (section == "sparkplug") return {&c.sparkplug};
    if (section == "modbus_server") return {&config::modbus_server_keys()};
    if (section == "sources" || section == "miners") {
        std::vector<const KeyTable*> t{section == "sources" ? &config::source_keys()
                                                            : &config::miner_keys()};
        const char* kind_key = section == "sources" ? "type" : "driver";
        if (item.is_object() && item.contains(kind_key) && item[kind_key].is_string())
            if (const auto* p = plugin_table(c, section, item[kind_key].get<std::string>()))
                t.push_back(p);
        return t;
    }
    auto it = c.policies.find(section);   // "policy.<name>" is passed as <name>
    if (it != c.policies.end()) return {&it->second};
    return {};
}

const KeySpec* find_spec(const std::vector<const KeyTable*>& tables, const std::string& key) {
    for (const auto* t : tables)
        for (const auto& k : *t)
            if (k.name == key) return &k;
    return nullptr;
}

bool is_secret(const std::vector<const KeyTable*>& tables, const std::string& key) {
    const KeySpec* spec = find_spec(tables, key);
    return spec != nullptr && spec->secret;
}

// An array of tables ([[a.b]]): a table_list key's array, or (for a key no table knows) an
// array holding only objects, which could be nothing else.
bool is_table_list(const json& v, const KeySpec* spec) {
    if (!v.is_array()) return false;
    if (spec != nullptr) return spec->type == KeyType::table_list;
    return !v.empty() && std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_object(); });
}

// Removes secret keys from obj, noting their paths.
void redact(json& obj, const std::vector<const KeyTable*>& tables, const std::string& path,
            json& secrets) {
    if (!obj.is_object()) return;
    for (auto it = obj.begin(); it != obj.end();) {
        if (is_secret(tables, it.key())) {
            secrets.push_back(path + "." + it.key());
            it = obj.erase(it);
        } else {
            ++it;
        }
    }
}

std::string escape(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    return out + "\"";
}

std::string key_text(const std::string& k) {
    bool bare = !k.empty() && std::all_of(k.begin(), k.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
    return bare ? k : escape(k);
}

class Emitter {
public:
    Status error;

    std::optional<std::string> scalar(const json& v, const std::string& path) {
        if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
        if (v.is_number_integer()) return v.dump();
        if (v.is_number_float()) {
            double d = v.get<double>();
            if (!std::isfinite(d)) return fail(path, "expected a finite number");
            char buf[40];
            std::snprintf(buf, sizeof buf, "%.17g", d);
            std::string s = buf;
            if (s.find_first_of(".eE") == std::string::npos) s += ".0";
            return s;
        }
        if (v.is_string()) {
            if (v.get_ref<const std::string&>().size() > kMaxStringBytes)
                return fail(path, "text longer than 4096 bytes");
            return escape(v.get<std::string>());
        }
        if (v.is_array()) {
            std::string out = "[";
            for (std::size_t i = 0; i < v.size(); ++i) {
                if (v.size() > kMaxItems) return fail(path, "too many entries");
                if (!v[i].is_string() && !v[i].is_number() && !v[i].is_boolean())
                    return fail(path + "[" + std::to_string(i) + "]", "expected a value, got " +
                                                                        std::string(v[i].type_name()));
                auto e = scalar(v[i], path + "[" + std::to_string(i) + "]");
                if (!e) return std::nullopt;
                out += (i ? ", " : "") + *e;
            }
            return out + "]";
        }
        return fail(path, std::string("expected a value, got ") + v.type_name());
    }

    // key = value lines of a flat object; nested tables are refused here. With `lists`, the
    // arrays of tables (see is_table_list) are set aside there for section() to write.
    bool body(const json& obj, const std::string& path, std::string& out,
              const std::vector<std::string>& first = {},
              const std::vector<const KeyTable*>& tables = {}, json* lists = nullptr) {
        if (!obj.is_object()) {
            fail(path, std::string("expected an object, got ") + obj.type_name());
            return false;
        }
        std::vector<std::string> order;
        for (const auto& k : first)
            if (obj.contains(k)) order.push_back(k);
        for (const auto& [k, v] : obj.items())
            if (std::find(order.begin(), order.end(), k) == order.end()) order.push_back(k);
        for (const auto& k : order) {
            const json& v = obj.at(k);
            if (v.is_null()) continue;   // an emptied field: the default applies
            if (lists != nullptr && is_table_list(v, find_spec(tables, k))) {
                (*lists)[k] = v;
                continue;
            }
            auto s = scalar(v, path + "." + k);
            if (!s) return false;
            out += key_text(k) + " = " + *s + "\n";
        }
        return true;
    }

    // "[header]" with its keys, then each array of tables as "[[header.key]]" blocks, entries
    // flat (their errors named like the loader's: path.key[i].field).
    bool section(const json& obj, const std::string& header, const std::string& path,
                 std::string& out, const std::vector<const KeyTable*>& tables,
                 const std::vector<std::string>& first = {}) {
        std::string text;
        json lists = json::object();
        if (!body(obj, path, text, first, tables, &lists)) return false;
        out += "\n[" + header + "]\n" + text;
        for (const auto& [k, entries] : lists.items()) {
            if (entries.size() > kMaxItems) {
                fail(path + "." + k, "too many entries");
                return false;
            }
            for (std::size_t i = 0; i < entries.size(); ++i) {
                std::string entry;
                if (!body(entries[i], path + "." + k + "[" + std::to_string(i) + "]", entry,
                          {"id"}))
                    return false;
                out += "\n[[" + header + "." + key_text(k) + "]]\n" + entry;
            }
        }
        return true;
    }

    std::nullopt_t fail(const std::string& path, const std::string& message) {
        if (error.ok()) error = Status::error(ErrorCode::invalid, path + ": " + message, false);
        return std::nullopt;
    }
};

}  // namespace

json key_json(const KeySpec& k) {
    json j = {{"name", k.name},
              {"type", to_string(k.type)},
              {"unit", k.unit},
              {"doc", k.doc},
              {"required", k.required},
              {"secret", k.secret},
              {"default", k.fallback && !k.secret ? value_json(*k.fallback, k.type) : json(nullptr)},
              {"min", k.min ? json(*k.min) : json(nullptr)},
              {"max", k.max ? json(*k.max) : json(nullptr)},
              {"choices", k.choices}};
    if (k.ref != RefKind::none) j["ref"] = k.ref == RefKind::source ? "source" : "miner";
    if (!k.one_of.empty()) j["one_of"] = k.one_of;   // exactly one key of the group is given
    if (k.type == KeyType::table_list) j["fields"] = table_json(k.fields);
    return j;
}

json table_json(const KeyTable& table) {
    json a = json::array();
    for (const auto& k : table) a.push_back(key_json(k));
    return a;
}

json catalog_json(const config::Catalog& c, const json& summaries) {
    auto plugins = [&](const std::map<std::string, KeyTable>& m, const char* kind) {
        json o = json::object();
        for (const auto& [name, keys] : m) {
            std::string summary;
            if (summaries.contains(kind) && summaries[kind].contains(name))
                summary = summaries[kind][name].get<std::string>();
            o[name] = {{"summary", summary}, {"keys", table_json(keys)}};
        }
        return o;
    };
    json policy = table_json(config::policy_keys());
    for (auto& k : policy)
        if (k["name"] == "use") {
            json names = json::array();
            for (const auto& [name, _] : c.policies) names.push_back(name);
            k["choices"] = names;
        }
    return {{"sections",
             {{"site", table_json(config::site_keys())},
              {"governor", table_json(config::governor_keys())},
              {"journal", table_json(config::journal_keys())},
              {"web", table_json(config::web_keys())},
              {"publish", table_json(c.publish)},
              {"sparkplug", table_json(c.sparkplug)},
              {"modbus_server", table_json(config::modbus_server_keys())},
              {"policy", policy}}},
            {"source_common", table_json(config::source_keys())},
            {"miner_common", table_json(config::miner_keys())},
            {"source_types", plugins(c.source_types, "sources")},
            {"miner_drivers", plugins(c.miner_drivers, "miners")},
            {"policies", plugins(c.policies, "policies")}};
}

Result<json> config_to_json(const std::string& text, const config::Catalog& c) {
    toml::table root;
    try {
        root = toml::parse(std::string_view(text), std::string_view("config"));
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::invalid, std::string("config: not valid TOML: ") + e.what(),
                             false);
    }
    json doc = node_json(root);
    json secrets = json::array();
    for (const char* s : kFixedSections)
        if (doc.contains(s)) redact(doc[s], tables_for(c, s, nullptr), s, secrets);
    if (doc.contains("policy") && doc["policy"].is_object())
        for (auto& [name, v] : doc["policy"].items())
            if (v.is_object()) redact(v, tables_for(c, name, nullptr), "policy." + name, secrets);
    for (const char* s : {"sources", "miners"}) {
        if (!doc.contains(s) || !doc[s].is_array()) continue;
        for (std::size_t i = 0; i < doc[s].size(); ++i)
            redact(doc[s][i], tables_for(c, s, doc[s][i]), std::string(s) + "[" + std::to_string(i) + "]",
                   secrets);
    }
    doc["_secrets_set"] = secrets;
    return doc;
}

Result<std::string> json_to_toml(const json& in, const std::string& previous_toml,
                                 const config::Catalog& c) {
    if (!in.is_object()) return Status::error(ErrorCode::invalid, "config: expected an object", false);
    json doc = in;
    doc.erase("_secrets_set");
    json prev = json::object();
    if (!previous_toml.empty()) {
        try {
            prev = node_json(toml::parse(std::string_view(previous_toml), std::string_view("previous")));
        } catch (...) {
            prev = json::object();
        }
    }
    // Secrets the page did not send keep their previous value.
    auto restore = [&](json& obj, const json& old, const std::vector<const KeyTable*>& tables) {
        if (!obj.is_object() || !old.is_object()) return;
        for (const auto& [k, v] : old.items())
            if (is_secret(tables, k) && !obj.contains(k)) obj[k] = v;
    };
    for (const char* s : kFixedSections)
        if (doc.contains(s) && prev.contains(s)) restore(doc[s], prev[s], tables_for(c, s, nullptr));
    if (doc.contains("policy") && doc["policy"].is_object() && prev.contains("policy") &&
        prev["policy"].is_object())
        for (auto& [name, v] : doc["policy"].items())
            if (prev["policy"].contains(name))
                restore(v, prev["policy"][name], tables_for(c, name, nullptr));
    for (const char* s : {"sources", "miners"}) {
        if (!doc.contains(s) || !doc[s].is_array() || !prev.contains(s) || !prev[s].is_array())
            continue;
        for (auto& item : doc[s]) {
            if (!item.is_object() || !item.contains("id")) continue;
            for (const auto& old : prev[s])
                if (old.is_object() && old.contains("id") && old["id"] == item["id"])
                    restore(item, old, tables_for(c, s, item));
        }
    }

    Emitter e;
    std::string out = "# Written by the hashsink web page; earlier versions are kept beside it.\n";
    static const std::set<std::string> kTop = {"site",    "governor",     "journal", "web",
                                               "publish", "sparkplug",    "policy",  "sources",
                                               "miners",  "modbus_server"};
    for (const auto& [k, _] : doc.items())
        if (!kTop.count(k))
            return Status::error(ErrorCode::invalid, k + ": unknown section", false);
    for (const char* s : kFixedSections) {
        if (!doc.contains(s) || doc[s].is_null()) continue;
        if (!e.section(doc[s], s, s, out, tables_for(c, s, nullptr))) return e.error;
    }
    if (doc.contains("policy") && !doc["policy"].is_null()) {
        const json& p = doc["policy"];
        if (!p.is_object()) return Status::error(ErrorCode::invalid, "policy: expected an object", false);
        json top = json::object();
        for (const auto& [k, v] : p.items())
            if (!v.is_object()) top[k] = v;
        if (!e.section(top, "policy", "policy", out, {&config::policy_keys()}, {"use"}))
            return e.error;
        for (const auto& [k, v] : p.items()) {
            if (!v.is_object()) continue;
            if (!e.section(v, "policy." + key_text(k), "policy." + k, out, tables_for(c, k, v)))
                return e.error;
        }
    }
    for (const char* s : {"sources", "miners"}) {
        if (!doc.contains(s) || doc[s].is_null()) continue;
        if (!doc[s].is_array())
            return Status::error(ErrorCode::invalid, std::string(s) + ": expected a list", false);
        if (doc[s].size() > kMaxItems)
            return Status::error(ErrorCode::invalid, std::string(s) + ": too many entries", false);
        for (std::size_t i = 0; i < doc[s].size(); ++i) {
            std::string body;
            std::string path = std::string(s) + "[" + std::to_string(i) + "]";
            if (!e.body(doc[s][i], path, body,
                        {"id", std::string(s) == "sources" ? "type" : "driver"}))
                return e.error;
            out += std::string("\n[[") + s + "]]\n" + body;
        }
    }
    return out;
}

json diagnostics_json(const std::vector<config::Diagnostic>& diags) {
    json a = json::array();
    for (const auto& d : diags)
        a.push_back({{"path", d.key_path},
                     {"message", d.message},
                     {"line", d.where.line},
                     {"column", d.where.column}});
    return a;
}

}  // namespace hashsink::web
