// The recorded replies and other files under tests/fixtures/, read by the tests that decode them,
// and the inputs the fuzzers crashed on (fuzz/corpus/).
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

namespace hashsink::test {

// The bytes of a file in the source tree; REQUIREs that the file opens.
inline std::string source_file_text(const std::string& path) {
    std::ifstream in(std::string(HASHSINK_SOURCE_DIR) + "/" + path, std::ios::binary);
    INFO(path);
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The bytes of tests/fixtures/<path>.
inline std::string fixture_text(const std::string& path) {
    return source_file_text("tests/fixtures/" + path);
}

// An input a fuzzer once crashed on, kept in fuzz/corpus/<target>/<name>.
inline std::string fuzz_input(const std::string& target, const std::string& name) {
    return source_file_text("fuzz/corpus/" + target + "/" + name);
}

// tests/fixtures/<path> parsed as JSON.
inline nlohmann::json fixture_json(const std::string& path) {
    return nlohmann::json::parse(fixture_text(path));
}

}  // namespace hashsink::test
