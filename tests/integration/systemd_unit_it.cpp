// systemd/hashsink.service must pass `systemd-analyze verify` without a word about the unit.
#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/support/process.hpp"

namespace fs = std::filesystem;
using namespace hashsink::test;

namespace {

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

std::string find_systemd_analyze() {
    for (const char* p : {"/usr/bin/systemd-analyze", "/bin/systemd-analyze"})
        if (fs::exists(p)) return p;
    return {};
}

}  // namespace

TEST_CASE("systemd unit: systemd-analyze verify passes", "[systemd]") {
    std::string analyze = find_systemd_analyze();
    // systemd is one of the packages `make test` installs.
    REQUIRE_FALSE(analyze.empty());
    std::string unit = read_file(std::string(HASHSINK_SOURCE_DIR) + "/systemd/hashsink.service");
    REQUIRE(unit.find("ExecStart=/usr/bin/hashsink run ") != std::string::npos);
    REQUIRE(unit.find("Type=notify") != std::string::npos);
    REQUIRE(unit.find("WatchdogSec=10s") != std::string::npos);
    // verify checks that ExecStart's binary exists: point it at the one just built.
    std::string dir = temp_dir();
    std::string path = dir + "/hashsink.service";
    write_file(path, replace_all(unit, "/usr/bin/hashsink", HASHSINK_BINARY));
    auto r = run({analyze, "verify", path}, 60);
    INFO("stdout: " << r.out);
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("hashsink.service") == std::string::npos);
    CHECK(r.err.find("hashsink.service") == std::string::npos);
    fs::remove_all(dir);
}

TEST_CASE("systemd unit: verify catches a missing binary", "[systemd]") {
    std::string analyze = find_systemd_analyze();
    if (analyze.empty()) return;
    std::string unit = read_file(std::string(HASHSINK_SOURCE_DIR) + "/systemd/hashsink.service");
    std::string dir = temp_dir();
    std::string path = dir + "/hashsink.service";
    write_file(path, replace_all(unit, "/usr/bin/hashsink", dir + "/no-such-binary"));
    auto r = run({analyze, "verify", path}, 60);
    CHECK(r.exit_code != 0);  // so the passing test above really checked something
    fs::remove_all(dir);
}
