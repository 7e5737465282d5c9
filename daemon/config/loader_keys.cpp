// Key checking: a table's keys against its key tables, each value against its KeySpec (type,
// range, choices), required keys, defaults and one-of groups.
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "daemon/config/loader.hpp"
#include "daemon/config/suggest.hpp"

namespace hashsink::config::detail {

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

namespace {

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

// parse_duration is lenient about a few shapes ("1.2.3s"); the config is not.
bool strict_duration(std::string_view s) {
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

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
    return out;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& v) {
    if (auto c = closest(word, v)) return "; did you mean \"" + *c + "\"?";
    return {};
}

}  // namespace

std::optional<OptionValue> Loader::value(const toml::node& n, const KeySpec& spec,
                                         const std::string& path) {
    switch (spec.type) {
        case KeyType::boolean:
            if (auto b = n.value_exact<bool>()) return OptionValue{*b};
            return wrong_type(n, spec, path);
        case KeyType::integer: {
            auto i = n.value_exact<std::int64_t>();
            if (!i) return wrong_type(n, spec, path);
            if (!in_range(n, spec, path, static_cast<double>(*i), std::to_string(*i)))
                return std::nullopt;
            return OptionValue{*i};
        }
        case KeyType::number: return number_value(n, spec, path);
        case KeyType::string: return string_value(n, spec, path);
        case KeyType::duration: return duration_value(n, spec, path);
        case KeyType::string_list: return string_list_value(n, spec, path);
        case KeyType::table_list:
            return wrong_type(n, spec, path);   // check_table handles arrays of tables itself
    }
    return std::nullopt;
}

std::optional<OptionValue> Loader::wrong_type(const toml::node& n, const KeySpec& spec,
                                              const std::string& path) {
    error(pos(n), path, "expected " + expected_phrase(spec.type) + ", got " + node_type_name(n));
    return std::nullopt;
}

bool Loader::in_range(const toml::node& n, const KeySpec& spec, const std::string& path,
                      double v, const std::string& shown) {
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
}

bool Loader::is_choice(const toml::node& n, const KeySpec& spec, const std::string& path,
                       const std::string& s) {
    if (spec.choices.empty() ||
        std::find(spec.choices.begin(), spec.choices.end(), s) != spec.choices.end())
        return true;
    error(pos(n), path,
          quoted(s) + " is not one of: " + join(spec.choices) + did_you_mean(s, spec.choices));
    return false;
}

std::optional<OptionValue> Loader::number_value(const toml::node& n, const KeySpec& spec,
                                                const std::string& path) {
    double v = 0;
    if (auto i = n.value_exact<std::int64_t>()) v = static_cast<double>(*i);
    else if (auto d = n.value_exact<double>()) v = *d;
    else return wrong_type(n, spec, path);
    if (!std::isfinite(v)) {
        error(pos(n), path, "expected a finite number, got " + format_number(v));
        return std::nullopt;
    }
    if (!in_range(n, spec, path, v, format_number(v))) return std::nullopt;
    if (auto i = n.value_exact<std::int64_t>()) return OptionValue{*i};
    return OptionValue{v};
}

std::optional<OptionValue> Loader::string_value(const toml::node& n, const KeySpec& spec,
                                                const std::string& path) {
    auto s = n.value_exact<std::string>();
    if (!s) return wrong_type(n, spec, path);
    if (!is_choice(n, spec, path, *s)) return std::nullopt;
    if (spec.ref != RefKind::none && !s->empty()) refs_.push_back({spec.ref, *s, pos(n), path});
    if (!private_enough(n, spec, path, *s)) return std::nullopt;
    return OptionValue{*s};
}

// A file holding a secret (a password, an API key) that any user may read leaks it: refused
// here, so `hashsink check` says so before the daemon runs with it. A missing file is the
// driver's to report when it reads it.
bool Loader::private_enough(const toml::node& n, const KeySpec& spec, const std::string& path,
                            const std::string& file) {
    if (!spec.secret || !spec.name.ends_with("_file") || file.empty()) return true;
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0 || (st.st_mode & (S_IROTH | S_IWOTH)) == 0) return true;
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    error(pos(n), path,
          file + " can be read or written by any user (mode " + mode +
              "): make it private, e.g. chmod 600 " + file);
    return false;
}

std::optional<OptionValue> Loader::duration_value(const toml::node& n, const KeySpec& spec,
                                                  const std::string& path) {
    auto s = n.value_exact<std::string>();
    if (!s) return wrong_type(n, spec, path);
    auto d = parse_duration(*s);
    if (!d || !strict_duration(*s)) {
        error(pos(n), path,
              "invalid duration " + quoted(*s) +
                  ": use numbers with units ms, s, m, h, d, like \"500ms\", \"5s\" or "
                  "\"1h30m\"");
        return std::nullopt;
    }
    double secs = static_cast<double>(d->count()) / 1000.0;
    if (!in_range(n, spec, path, secs, quoted(*s))) return std::nullopt;
    return OptionValue{*d};
}

std::optional<OptionValue> Loader::string_list_value(const toml::node& n, const KeySpec& spec,
                                                     const std::string& path) {
    const auto* arr = n.as_array();
    if (!arr) return wrong_type(n, spec, path);
    std::vector<std::string> out;
    bool ok = true;
    for (std::size_t i = 0; i < arr->size(); ++i) {
        const toml::node& e = *arr->get(i);
        std::string epath = path + "[" + std::to_string(i) + "]";
        auto s = e.value_exact<std::string>();
        if (!s) {
            error(pos(e), epath, std::string("expected a string, got ") + node_type_name(e));
            ok = false;
            continue;
        }
        if (!is_choice(e, spec, epath, *s)) {
            ok = false;
            continue;
        }
        if (spec.ref != RefKind::none) refs_.push_back({spec.ref, *s, pos(e), epath});
        out.push_back(*s);
    }
    if (!ok) return std::nullopt;
    return OptionValue{std::move(out)};
}

void Loader::table_list(const toml::node& n, const KeySpec& spec, const std::string& path,
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

Options Loader::check_table(const toml::table& t, const std::string& path,
                    const std::vector<const KeyTable*>& tables, Position table_pos,
                    const std::set<std::string>& skip, bool ignore_unknown,
                    const std::vector<std::string>& extra_names) {
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

void Loader::check_one_of(const toml::table& t, const std::string& path,
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

}  // namespace hashsink::config::detail
