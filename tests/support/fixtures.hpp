// The recorded replies and other files under tests/fixtures/, read by the tests that decode them.
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace hashsink::test {

// The bytes of tests/fixtures/<path>; REQUIREs that the file opens.
inline std::string fixture_text(const std::string& path) {
    std::ifstream in(std::string(HASHSINK_SOURCE_DIR) + "/tests/fixtures/" + path,
                     std::ios::binary);
    INFO("tests/fixtures/" << path);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// tests/fixtures/<path> parsed as JSON.
inline nlohmann::json fixture_json(const std::string& path) {
    return nlohmann::json::parse(fixture_text(path));
}

}  // namespace hashsink::test
