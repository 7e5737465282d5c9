// Field readers for the JSON that miners send, tolerant of type drift: numbers sent as strings
// ("GHS 5s" on bmminer, "12.5 %"), booleans as 0/1 or words. Every miner family and the
// cgminer-API client use these, and none of them throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hashsink::transport {

// A number, a numeric string (trailing spaces and '%' allowed) or a boolean as 0/1. nullopt
// when absent, unparsable or not finite.
std::optional<double> json_number(const nlohmann::json& obj, std::string_view key);
// A boolean, a number (non-zero is true), true/false, True/False, yes/no, Y/N or a numeric
// string.
std::optional<bool> json_bool(const nlohmann::json& obj, std::string_view key);
// A string (at most 256 characters kept) or a number as written; empty otherwise.
std::string json_string(const nlohmann::json& obj, std::string_view key);

}  // namespace hashsink::transport
