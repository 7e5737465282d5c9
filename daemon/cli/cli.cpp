#include "daemon/cli/cli.hpp"

#include <cstdio>
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

std::optional<int> handle_common(const Args& args, const std::string& synopsis,
                                 const std::string& summary,
                                 const std::vector<OptionSpec>& specs) {
    if (args.help()) {
        std::cout << usage(synopsis, summary, specs);
        return 0;
    }
    if (!args.error().empty()) {
        std::cerr << "hashsink: " << args.error() << "\n" << usage(synopsis, summary, specs);
        return kExitUsage;
    }
    return std::nullopt;
}

std::optional<long> int_option(const Args& args, const std::string& name, long min, long max,
                               long fallback) {
    if (!args.has(name)) return fallback;
    auto value = args.get_int(name);
    if (!value || *value < min || *value > max) return std::nullopt;
    return value;
}

std::optional<int> Command::early_exit() const {
    return handle_common(args_, synopsis_, summary_, specs_);
}

int Command::usage_error(const std::string& message) const {
    std::cerr << "hashsink " << name_ << ": " << message << "\n"
              << usage(synopsis_, summary_, specs_);
    return kExitUsage;
}

int Command::fail(const std::string& message, int code) const {
    std::cerr << "hashsink " << name_ << ": " << message << "\n";
    return code;
}

}  // namespace hashsink::app
