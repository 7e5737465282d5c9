// The first run's setup code: the right code, wrong ones, the limit on guesses, void after use.
#include "web/auth/setup_code.hpp"

#include <catch2/catch.hpp>
#include <set>
#include <string>

using namespace hashsink::web;
using namespace std::chrono_literals;
using Outcome = SetupCode::Check::Outcome;

namespace {
const SetupCode::TimePoint t0{};
}

TEST_CASE("setup code: random codes are 10 letters of the unambiguous alphabet, all different",
          "[unit][web]") {
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const std::string code = SetupCode::random_code();
        REQUIRE(code.size() == 11);
        REQUIRE(code[5] == '-');
        for (std::size_t k = 0; k < code.size(); ++k) {
            if (k == 5) continue;
            INFO(code);
            REQUIRE(std::string(SetupCode::kAlphabet).find(code[k]) != std::string::npos);
        }
        seen.insert(code);
    }
    REQUIRE(seen.size() == 200);
    SetupCode random;
    REQUIRE(random.current().size() == 11);
    REQUIRE(random.current() != SetupCode().current());
}

TEST_CASE("setup code: the right code passes as typed or pasted, a wrong one does not",
          "[unit][web]") {
    SetupCode code("ABCDE-FGH23");
    REQUIRE(code.current() == "ABCDE-FGH23");
    CHECK(code.check("ABCDE-FGH23", t0).outcome == Outcome::ok);
    CHECK(code.check("abcdefgh23", t0).outcome == Outcome::ok);
    CHECK(code.check(" abcde fgh23 ", t0).outcome == Outcome::ok);
    CHECK(code.check("", t0).outcome == Outcome::wrong);
    CHECK(code.check("ABCDE-FGH2", t0).outcome == Outcome::wrong);    // a prefix
    CHECK(code.check("ABCDE-FGH234", t0).outcome == Outcome::wrong);  // longer
    CHECK(code.check("ABCDE-FGH24", t0).outcome == Outcome::wrong);
    CHECK(code.check(std::string(10000, 'A'), t0).outcome == Outcome::wrong);
    CHECK(code.check("ABCDE-FGH23", t0).outcome == Outcome::ok);  // wrong ones below the limit
}

TEST_CASE("setup code: the 10th wrong code replaces the code and pauses every attempt",
          "[unit][web]") {
    SetupCode code("ABCDE-FGH23");
    for (int i = 1; i < 10; ++i) {
        auto c = code.check("WRONG-CODE" + std::to_string(i % 10), t0 + i * 1ms);
        REQUIRE(c.outcome == Outcome::wrong);
        REQUIRE(c.new_code.empty());
    }
    auto tenth = code.check("ZZZZZ-ZZZZZ", t0 + 10ms);
    REQUIRE(tenth.outcome == Outcome::wrong);
    REQUIRE(tenth.new_code.size() == 11);
    REQUIRE(tenth.new_code == code.current());
    REQUIRE(tenth.new_code != "ABCDE-FGH23");

    // Paused for a minute: even the new code is refused, and says for how long.
    auto paused = code.check(tenth.new_code, t0 + 10ms + 30s);
    REQUIRE(paused.outcome == Outcome::limited);
    REQUIRE(paused.retry_after_s == 30);
    REQUIRE(code.check(tenth.new_code, t0 + 10ms + 59s).outcome == Outcome::limited);

    // After the pause the old code stays wrong and the new one works.
    const auto later = t0 + 10ms + 60s;
    REQUIRE(code.check("ABCDE-FGH23", later).outcome == Outcome::wrong);
    REQUIRE(code.check(tenth.new_code, later).outcome == Outcome::ok);
}

TEST_CASE("setup code: the limit and the pause are settings", "[unit][web]") {
    SetupCode code("ABCDE-FGH23", SetupCodeLimits{3, 5s});
    REQUIRE(code.check("x", t0).new_code.empty());
    REQUIRE(code.check("y", t0).new_code.empty());
    REQUIRE_FALSE(code.check("z", t0).new_code.empty());
    REQUIRE(code.check(code.current(), t0 + 4s).outcome == Outcome::limited);
    REQUIRE(code.check(code.current(), t0 + 5s).outcome == Outcome::ok);
}

TEST_CASE("setup code: void once the admin password is set", "[unit][web]") {
    SetupCode code("ABCDE-FGH23");
    REQUIRE_FALSE(code.spent());
    REQUIRE(code.check("ABCDE-FGH23", t0).outcome == Outcome::ok);
    code.spend();
    REQUIRE(code.spent());
    REQUIRE(code.check("ABCDE-FGH23", t0).outcome == Outcome::spent);
    REQUIRE(code.check("", t0).outcome == Outcome::spent);
    REQUIRE(code.current().empty());
}
