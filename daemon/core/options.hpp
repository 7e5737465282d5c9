// Options: the typed key tables every plugin (source, miner driver, policy) declares, and the
// validated values the config layer hands back. Lives in the core so plugins need no TOML.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "daemon/core/time.hpp"

namespace hashsink {

// table_list: an array of tables ([[a.b]]) whose entries are checked against KeySpec::fields.
// Its values are flattened into the Options: `<key>` holds the entry count (integer) and
// `<key>[<i>].<field>` each entry's values, defaults filled in (see list_item()).
enum class KeyType { boolean, integer, number, string, duration, string_list, table_list };
const char* to_string(KeyType t) noexcept;

using OptionValue =
    std::variant<bool, std::int64_t, double, std::string, Duration, std::vector<std::string>>;

// Which id namespace a string key refers to, so `check` can report dangling references.
enum class RefKind { none, source, miner };

struct KeySpec {
    std::string name;
    KeyType type = KeyType::number;
    std::string doc;
    std::string unit;                       // "W", "s", "%": shown in docs and the web form
    bool required = false;
    std::optional<OptionValue> fallback;    // default when absent
    std::optional<double> min, max;         // numbers; durations in seconds
    std::vector<std::string> choices;       // strings: allowed values
    RefKind ref = RefKind::none;
    bool secret = false;                    // never echoed back (status, web)
    // Further validation of a well-typed value (e.g. a schedule window's syntax): an error
    // message, or empty when the value is fine.
    std::string (*check)(const OptionValue& value) = nullptr;
    std::vector<KeySpec> fields;            // table_list: the keys of each entry
    // Keys of one table sharing a group name here: exactly one of them must be given (with a
    // non-empty value), e.g. a Modbus source's host (TCP) or device (RTU).
    std::string one_of;
};

using KeyTable = std::vector<KeySpec>;

// Validated values, defaults filled in. Getters assume validation passed against the table.
class Options {
public:
    void set(const std::string& key, OptionValue v) { values_[key] = std::move(v); }
    bool has(const std::string& key) const { return values_.count(key) != 0; }

    bool get_bool(const std::string& key, bool fallback = false) const;
    std::int64_t get_int(const std::string& key, std::int64_t fallback = 0) const;
    double get_number(const std::string& key, double fallback = 0) const;   // int or double
    std::string get_string(const std::string& key, const std::string& fallback = {}) const;
    Duration get_duration(const std::string& key, Duration fallback = Duration{0}) const;
    std::vector<std::string> get_list(const std::string& key) const;
    std::optional<double> find_number(const std::string& key) const;

    const std::map<std::string, OptionValue>& values() const { return values_; }

private:
    std::map<std::string, OptionValue> values_;
};

// Fills defaults from the table into options (used by code that builds Options by hand).
Options with_defaults(const KeyTable& table, Options given = {});

// Entry `index` of the table_list `key` as Options of its own (fields' defaults filled in), and
// the number of entries.
std::size_t list_size(const Options& options, const std::string& key);
Options list_item(const Options& options, const std::string& key, std::size_t index,
                  const KeyTable& fields);
// The flattened name of a field of entry `index`: "<key>[<index>].<field>".
std::string list_key(const std::string& key, std::size_t index, const std::string& field);

}  // namespace hashsink
