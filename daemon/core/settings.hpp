// Settings: each key of a plugin's table declared once, with the member of its config struct it
// fills. One declaration yields the key table (validation, the reference docs, the set-up form)
// and the binding from validated Options to the struct, so a name, a default or a range is never
// written twice.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "daemon/core/options.hpp"

namespace hashsink {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};

// The key type that stores a member of type T (std::optional<double>: a number with no
// default, nullopt when absent).
template <class T>
constexpr KeyType key_type_of() {
    if constexpr (is_optional<T>::value)
        return key_type_of<typename T::value_type>();
    else if constexpr (std::is_same_v<T, bool>)
        return KeyType::boolean;
    else if constexpr (std::is_integral_v<T>) return KeyType::integer;
    else if constexpr (std::is_floating_point_v<T>) return KeyType::number;
    else if constexpr (std::is_same_v<T, std::string>) return KeyType::string;
    else if constexpr (std::is_same_v<T, Duration>) return KeyType::duration;
    else if constexpr (std::is_same_v<T, std::vector<std::string>>) return KeyType::string_list;
    else static_assert(!sizeof(T), "no key type stores this member type");
}

template <class Config>
class Settings {
public:
    // Declares `spec` and binds it to `member`; the key type follows the member's type. Numbers
    // and durations are clamped to the declared range on binding too, so a struct filled from
    // Options built by hand (tests, tools) keeps the same bounds as a checked file.
    template <class T>
    Settings&& bind(T Config::*member, KeySpec spec) && {
        spec.type = key_type_of<T>();
        binders_.push_back([member, spec](Config& config, const Options& options) {
            config.*member = read<T>(spec, options);
        });
        keys_.push_back(std::move(spec));
        return std::move(*this);
    }

    // Declares `spec`, stored as Raw (the key type follows Raw), and fills `member` with
    // `convert(value)`: a choice read into an enum, a list of windows parsed.
    template <class T, class Raw>
    Settings&& bind(T Config::*member, KeySpec spec, T (*convert)(const Raw&)) && {
        spec.type = key_type_of<Raw>();
        binders_.push_back([member, spec, convert](Config& config, const Options& options) {
            config.*member = convert(read<Raw>(spec, options));
        });
        keys_.push_back(std::move(spec));
        return std::move(*this);
    }

    // Declares the table_list `spec` whose entries have the keys of `entry`, each entry filling
    // one element of `member` (a policy's zones).
    template <class Entry>
    Settings&& bind(std::vector<Entry> Config::*member, KeySpec spec,
                    const Settings<Entry>& entry) && {
        spec.type = KeyType::table_list;
        spec.fields = entry.keys();
        binders_.push_back([member, name = spec.name, entry](Config& c, const Options& o) {
            (c.*member).clear();
            for (std::size_t i = 0; i < list_size(o, name); ++i)
                (c.*member).push_back(entry.from(list_item(o, name, i, entry.keys())));
        });
        keys_.push_back(std::move(spec));
        return std::move(*this);
    }

    // Every key of `base`, each filling its member in the Base part of this Config (a family
    // of drivers sharing keys, each adding its own).
    template <class Base>
    requires std::is_base_of_v<Base, Config> Settings && include(const Settings<Base>& base) && {
        keys_.insert(keys_.end(), base.keys_.begin(), base.keys_.end());
        for (const auto& bind_one : base.binders_)
            binders_.push_back([bind_one](Config& c, const Options& o) { bind_one(c, o); });
        return std::move(*this);
    }

    // Every key of `part`, filling the member struct `member` (e.g. a source's broker
    // connection).
    template <class Part>
    Settings&& nest(Part Config::*member, const Settings<Part>& part) && {
        keys_.insert(keys_.end(), part.keys_.begin(), part.keys_.end());
        for (const auto& bind_one : part.binders_)
            binders_.push_back(
                [member, bind_one](Config& c, const Options& o) { bind_one(c.*member, o); });
        return std::move(*this);
    }

    const KeyTable& keys() const { return keys_; }

    // The struct from options (validated against keys(), or built by hand): defaults filled in.
    Config from(const Options& options) const {
        Config config{};
        fill(config, options);
        return config;
    }

    // Sets the members bound here from options, defaults filled in, and leaves the others (a
    // struct two sections fill).
    void fill(Config& config, const Options& options) const {
        const Options full = with_defaults(keys_, options);
        for (const auto& bind_one : binders_) bind_one(config, full);
    }

private:
    template <class T>
    static T read(const KeySpec& spec, const Options& options) {
        if constexpr (is_optional<T>::value) {
            if (!options.has(spec.name)) return std::nullopt;
            return read<typename T::value_type>(spec, options);
        } else if constexpr (std::is_same_v<T, bool>) {
            return options.get_bool(spec.name);
        } else if constexpr (std::is_arithmetic_v<T>) {
            const double v = std::is_integral_v<T> ? static_cast<double>(options.get_int(spec.name))
                                                   : options.get_number(spec.name);
            return static_cast<T>(bounded(spec, v));
        } else if constexpr (std::is_same_v<T, std::string>) {
            return options.get_string(spec.name);
        } else if constexpr (std::is_same_v<T, Duration>) {
            const double ms = bounded(spec, options.get_duration(spec.name).count() / 1000.0) * 1000;
            return Duration{std::llround(ms)};
        } else {
            return options.get_list(spec.name);
        }
    }

    static double bounded(const KeySpec& spec, double v) {
        if (spec.min) v = std::max(v, *spec.min);
        if (spec.max) v = std::min(v, *spec.max);
        return v;
    }

    template <class>
    friend class Settings;

    KeyTable keys_;
    std::vector<std::function<void(Config&, const Options&)>> binders_;
};

}  // namespace hashsink
