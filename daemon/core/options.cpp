#include "daemon/core/options.hpp"

namespace hashsink {

const char* to_string(KeyType t) noexcept {
    switch (t) {
        case KeyType::boolean: return "boolean";
        case KeyType::integer: return "integer";
        case KeyType::number: return "number";
        case KeyType::string: return "string";
        case KeyType::duration: return "duration";
        case KeyType::string_list: return "array of strings";
        case KeyType::table_list: return "array of tables";
    }
    return "?";
}

bool Options::get_bool(const std::string& key, bool fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    if (auto* b = std::get_if<bool>(&it->second)) return *b;
    return fallback;
}

std::int64_t Options::get_int(const std::string& key, std::int64_t fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    if (auto* i = std::get_if<std::int64_t>(&it->second)) return *i;
    if (auto* d = std::get_if<double>(&it->second)) return static_cast<std::int64_t>(*d);
    return fallback;
}

std::optional<double> Options::find_number(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return std::nullopt;
    if (auto* d = std::get_if<double>(&it->second)) return *d;
    if (auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
    return std::nullopt;
}

double Options::get_number(const std::string& key, double fallback) const {
    return find_number(key).value_or(fallback);
}

std::string Options::get_string(const std::string& key, const std::string& fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    if (auto* s = std::get_if<std::string>(&it->second)) return *s;
    return fallback;
}

Duration Options::get_duration(const std::string& key, Duration fallback) const {
    auto it = values_.find(key);
    if (it == values_.end()) return fallback;
    if (auto* d = std::get_if<Duration>(&it->second)) return *d;
    return fallback;
}

std::vector<std::string> Options::get_list(const std::string& key) const {
    auto it = values_.find(key);
    if (it == values_.end()) return {};
    if (auto* l = std::get_if<std::vector<std::string>>(&it->second)) return *l;
    return {};
}

Options with_defaults(const KeyTable& table, Options given) {
    for (const auto& spec : table) {
        if (!given.has(spec.name) && spec.fallback) given.set(spec.name, *spec.fallback);
    }
    return given;
}

std::string list_key(const std::string& key, std::size_t index, const std::string& field) {
    return key + "[" + std::to_string(index) + "]." + field;
}

std::size_t list_size(const Options& options, const std::string& key) {
    const std::int64_t n = options.get_int(key, 0);
    return n > 0 ? static_cast<std::size_t>(n) : 0;
}

Options list_item(const Options& options, const std::string& key, std::size_t index,
                  const KeyTable& fields) {
    Options out;
    const std::string prefix = key + "[" + std::to_string(index) + "].";
    for (auto it = options.values().lower_bound(prefix);
         it != options.values().end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
        out.set(it->first.substr(prefix.size()), it->second);
    return with_defaults(fields, std::move(out));
}

}  // namespace hashsink
