// Field readers for the JSON that miners send, tolerant of type drift: numbers sent as strings
// ("GHS 5s" on bmminer, "12.5 %"), booleans as 0/1 or words. Every miner family and the
// cgminer-API client use these, and none of them throws.
#pragma once

#include <concepts>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace hashsink::transport {

// A number, a numeric string (trailing spaces and '%' allowed) or a boolean as 0/1. nullopt
// when absent, unparsable or not finite.
std::optional<double> json_number(const nlohmann::json& obj, std::string_view key);
// A boolean, a number (non-zero is true), true/false, True/False, yes/no, Y/N or a numeric
// string.
std::optional<bool> json_bool(const nlohmann::json& obj, std::string_view key);
// A string (at most 256 characters kept) or a number as written; empty otherwise.
std::string json_string(const nlohmann::json& obj, std::string_view key);

// A number as a signed integer, truncated toward zero as a cast does; nullopt when not finite
// or outside the integer's range (where the cast would be undefined behaviour).
template <std::signed_integral I>
std::optional<I> to_integer(double v) {
    constexpr double lowest = static_cast<double>(std::numeric_limits<I>::min());  // -2^n
    if (!(v >= lowest && v < -lowest)) return std::nullopt;
    return static_cast<I>(v);
}
// json_number as an integer (to_integer).
template <std::signed_integral I>
std::optional<I> json_integer(const nlohmann::json& obj, std::string_view key) {
    auto v = json_number(obj, key);
    return v ? to_integer<I>(*v) : std::nullopt;
}
// A number for a message: its whole part, or "%g" when that does not fit a long.
std::string whole_number_text(double v);

}  // namespace hashsink::transport
