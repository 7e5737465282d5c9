// What the Debian package takes from the source tree: the version the binary prints (and the
// man page repeats) is CMake's project version and debian/changelog's upstream part; the
// starting config it installs as /etc/hashsink/hashsink.toml is valid and drives no device.
#include <catch2/catch.hpp>
#include <regex>

#include "tests/support/process.hpp"

using hashsink::test::read_file;
using hashsink::test::run;

namespace {

const std::string kBinary = HASHSINK_BINARY;
const std::string kSource = HASHSINK_SOURCE_DIR;

// The first capture group of `pattern` in `text`, or "" when it does not match.
std::string first_match(const std::string& text, const std::string& pattern) {
    std::smatch m;
    return std::regex_search(text, m, std::regex(pattern)) ? m[1].str() : std::string{};
}

}  // namespace

TEST_CASE("packaging: --version prints the project version, which the changelog packages",
          "[packaging]") {
    const std::string project = first_match(read_file(kSource + "/CMakeLists.txt"),
                                            R"(project\(hashsink VERSION ([0-9.]+))");
    REQUIRE_FALSE(project.empty());
    auto version = run({kBinary, "--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out == "hashsink " + project + "\n");
    // debian/changelog's newest entry: "hashsink (<upstream>-<debian revision>) ...".
    CHECK(first_match(read_file(kSource + "/debian/changelog"), R"(^hashsink \(([0-9.]+)-)") ==
          project);
}

TEST_CASE("packaging: --help lists every command and the global options", "[packaging]") {
    auto help = run({kBinary, "--help"});
    CHECK(help.exit_code == 0);
    for (const char* word : {"run ", "check ", "probe miner", "demo ", "--help", "--version"})
        CHECK(help.out.find(word) != std::string::npos);
    auto bare = run({kBinary});
    CHECK(bare.exit_code == 64);  // no command is a usage error; the help goes to stderr
    CHECK(bare.err == help.out);
}

TEST_CASE("packaging: the starting config passes check and lists no source and no miner",
          "[packaging]") {
    const std::string config = kSource + "/systemd/hashsink.toml";
    auto check = run({kBinary, "check", "--config", config});
    CHECK(check.exit_code == 0);
    CHECK(check.out == config + ": ok\n");
    CHECK(check.err.empty());
    // Only comments may mention sources or miners: an installed package drives nothing.
    const std::string text = read_file(config);
    CHECK(first_match(text, R"((^|\n)(\[\[(sources|miners)\]\]))").empty());
    // The unit reads this file and writes the journal where the config says.
    const std::string unit = read_file(kSource + "/systemd/hashsink.service");
    CHECK(unit.find("--config /etc/hashsink/hashsink.toml") != std::string::npos);
    CHECK(unit.find("--db /var/lib/hashsink/hashsink.db") != std::string::npos);
    CHECK(text.find("path = \"/var/lib/hashsink/hashsink.db\"") != std::string::npos);
    // The page saves the config beside itself: the sandbox leaves that folder writable.
    CHECK(unit.find("ReadWritePaths=-/etc/hashsink\n") != std::string::npos);
}
