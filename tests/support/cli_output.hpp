// What a `hashsink` subprocess printed, for tests of its commands' JSON output.
#pragma once

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/process.hpp"

namespace hashsink::test {

// The JSON a command printed; REQUIREs that it exited 0 (showing its stderr when not) and that
// its output parses.
inline nlohmann::json json_out(const RunResult& r) {
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    return j;
}

}  // namespace hashsink::test
