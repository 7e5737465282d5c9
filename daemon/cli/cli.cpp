#include "daemon/cli/cli.hpp"

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace hashsink::app {

Args::Args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "-h" || a == "--help") {
            values_["help"] = "";
            continue;
        }
        if (a.rfind("--", 0) != 0) {
            positional_.push_back(a);
            continue;
        }
        std::string name = a.substr(2);
        std::string inline_value;
        bool has_inline = false;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name = name.substr(0, eq);
            has_inline = true;
        }
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs)
            if (s.name == name) spec = &s;
        if (spec == nullptr) {
            error_ = "unknown option --" + name;
            return;
        }
        if (spec->value_name.empty()) {
            values_[name] = "1";
        } else if (has_inline) {
            values_[name] = inline_value;
        } else if (i + 1 < args.size()) {
            values_[name] = args[++i];
        } else {
            error_ = "option --" + name + " needs a value (" + spec->value_name + ")";
            return;
        }
    }
}

std::string Args::get(const std::string& name, const std::string& fallback) const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second;
}

std::optional<long> Args::get_int(const std::string& name) const {
    auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    try {
        std::size_t used = 0;
        long v = std::stol(it->second, &used);
        if (used != it->second.size()) return std::nullopt;
        return v;
    } catch (...) {
        return std::nullopt;
    }
}

std::string usage(const std::string& synopsis, const std::string& summary,
                  const std::vector<OptionSpec>& specs) {
    std::string out = "Usage: hashsink " + synopsis + "\n\n" + summary + "\n\nOptions:\n";
    for (const auto& s : specs) {
        std::string left = "  --" + s.name + (s.value_name.empty() ? "" : " " + s.value_name);
        if (left.size() < 28) left.resize(28, ' ');
        else left += "  ";
        out += left + s.help + "\n";
    }
    out += "  --help                    show this help\n";
    return out;
}

std::optional<long> int_option(const Args& args, const std::string& name, long min, long max,
                               long fallback) {
    if (!args.has(name)) return fallback;
    auto value = args.get_int(name);
    if (!value || *value < min || *value > max) return std::nullopt;
    return value;
}

std::optional<int> Command::early_exit() const {
    if (args_.help()) {
        std::cout << usage(synopsis_, summary_, specs_);
        return 0;
    }
    if (!args_.error().empty()) {
        std::cerr << "hashsink: " << args_.error() << "\n" << usage(synopsis_, summary_, specs_);
        return kExitUsage;
    }
    return std::nullopt;
}

int Command::usage_error(const std::string& message) const {
    std::cerr << "hashsink " << name_ << ": " << message << "\n";
    return usage_exit();
}

int Command::usage_exit() const {
    std::cerr << usage(synopsis_, summary_, specs_);
    return kExitUsage;
}

int Command::fail(const std::string& message, int code) const {
    std::cerr << "hashsink " << name_ << ": " << message << "\n";
    return code;
}

const OptionSpec& Command::spec(const std::string& name) const {
    for (const auto& s : specs_)
        if (s.name == name) return s;
    assert(false && "an option the command declares");
    std::abort();
}

std::optional<long> Command::int_value(const std::string& name) const {
    const auto& r = std::get<IntRange>(spec(name).range);
    auto value = int_option(args_, name, r.min, r.max, r.fallback);
    if (!value)
        fail("--" + name + " must be " + std::to_string(r.min) + ".." + std::to_string(r.max),
             kExitUsage);
    return value;
}

std::optional<OptionValues> Command::values() const {
    OptionValues out;
    bool ok = true;
    for (const auto& s : specs_) {
        if (std::holds_alternative<IntRange>(s.range)) {
            auto v = int_value(s.name);
            if (v) out.ints_[s.name] = *v;
            ok = ok && v;
        } else if (std::holds_alternative<DurationRange>(s.range)) {
            auto v = duration_value(s.name);
            if (v) out.durations_[s.name] = *v;
            ok = ok && v;
        }
    }
    if (!ok) return std::nullopt;
    return out;
}

std::optional<Duration> Command::duration_value(const std::string& name) const {
    const auto& r = std::get<DurationRange>(spec(name).range);
    auto value = parse_duration(args_.get(name, r.fallback));
    const bool too_long = r.max.count() > 0 && value && *value > r.max;
    if (value && *value >= r.min && !too_long) return value;
    fail("--" + name + " must be a duration " +
             (r.max.count() > 0 ? "from " + format_duration(r.min) + " to " + format_duration(r.max)
                                : "like " + r.fallback),
         kExitUsage);
    return std::nullopt;
}

}  // namespace hashsink::app
