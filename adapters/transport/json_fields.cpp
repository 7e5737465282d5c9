#include "adapters/transport/json_fields.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace hashsink::transport {

using nlohmann::json;

namespace {

constexpr std::size_t kMaxNumberText = 64;
constexpr std::size_t kMaxString = 256;

}  // namespace

std::string whole_number_text(double v) {
    if (auto whole = to_integer<long>(v)) return std::to_string(*whole);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", v);
    return buf;
}

std::optional<double> json_number(const json& obj, std::string_view key) {
    if (!obj.is_object()) return std::nullopt;
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    double v = 0;
    if (it->is_number()) {
        v = it->get<double>();
    } else if (it->is_boolean()) {
        v = it->get<bool>() ? 1 : 0;
    } else if (it->is_string()) {
        const auto& s = it->get_ref<const std::string&>();
        if (s.empty() || s.size() > kMaxNumberText) return std::nullopt;
        char* end = nullptr;
        v = std::strtod(s.c_str(), &end);
        while (end && (*end == ' ' || *end == '%')) ++end;
        if (end == s.c_str() || *end != '\0') return std::nullopt;
    } else {
        return std::nullopt;
    }
    if (!std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<bool> json_bool(const json& obj, std::string_view key) {
    if (!obj.is_object()) return std::nullopt;
    auto it = obj.find(key);
    if (it == obj.end()) return std::nullopt;
    if (it->is_boolean()) return it->get<bool>();
    if (it->is_string()) {
        const auto& s = it->get_ref<const std::string&>();
        if (s == "true" || s == "True" || s == "Y" || s == "yes") return true;
        if (s == "false" || s == "False" || s == "N" || s == "no") return false;
    }
    if (auto n = json_number(obj, key)) return *n != 0;
    return std::nullopt;
}

std::string json_string(const json& obj, std::string_view key) {
    if (!obj.is_object()) return {};
    auto it = obj.find(key);
    if (it == obj.end()) return {};
    if (it->is_string()) return it->get<std::string>().substr(0, kMaxString);
    if (it->is_number()) return it->dump();
    return {};
}

}  // namespace hashsink::transport
