// Golden cases: tests/config_cases/<case>/config.toml through the real binary; expected.txt is
// the exact stderr (empty for a valid file). HASHSINK_UPDATE_GOLDEN=1 rewrites expected.txt.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <algorithm>
#include <filesystem>
#include <sstream>

#include "tests/support/process.hpp"

namespace fs = std::filesystem;
using hashsink::test::read_file;
using hashsink::test::run;
using hashsink::test::write_file;

namespace {

const std::string kBinary = HASHSINK_BINARY;
const std::string kSource = HASHSINK_SOURCE_DIR;

// A case whose output depends on plugins lists them in `requires` ("source sunspec",
// "driver axeos", "policy solar_surplus"). Every plugin is built in, so a case whose plugin
// the reference does not list fails: it would otherwise pass without checking anything.
std::string missing_requirement(const fs::path& dir) {
    static const std::string reference = run({kBinary, "check", "--reference"}).out;
    std::istringstream in(read_file((dir / "requires").string()));
    std::string kind, name;
    while (in >> kind >> name) {
        std::string heading = kind == "source"   ? "### type = \"" + name + "\""
                              : kind == "driver" ? "### driver = \"" + name + "\""
                                                 : "### [policy." + name + "]";
        if (reference.find(heading) == std::string::npos) return kind + " " + name;
    }
    return {};
}

// Runs `hashsink check` inside dir, so diagnostics name the file by its relative path.
hashsink::test::RunResult check_in(const std::string& dir, const std::string& file) {
    return run({"/bin/sh", "-c", "cd \"$1\" && exec \"$2\" check --config \"$3\"", "sh", dir,
                kBinary, file},
               30);
}

}  // namespace

TEST_CASE("config cases: golden diagnostics of every case", "[config]") {
    std::vector<fs::path> cases;
    for (const auto& e : fs::directory_iterator(kSource + "/tests/config_cases"))
        if (e.is_directory()) cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    REQUIRE(cases.size() >= 11);
    const bool update = std::getenv("HASHSINK_UPDATE_GOLDEN") != nullptr;
    for (const auto& dir : cases) {
        DYNAMIC_SECTION(dir.filename().string()) {
            if (fs::exists(dir / "requires")) {
                std::string missing = missing_requirement(dir);
                if (!missing.empty()) {
                    FAIL_CHECK(dir.filename().string() << ": the binary lacks " << missing);
                    continue;
                }
            }
            auto r = check_in(dir.string(), "config.toml");
            const std::string expected_path = (dir / "expected.txt").string();
            if (update) write_file(expected_path, r.err);
            const std::string expected = read_file(expected_path);
            CHECK(r.err == expected);
            if (expected.empty()) {
                CHECK(r.exit_code == 0);
                CHECK(r.out == "config.toml: ok\n");
            } else {
                CHECK(r.exit_code == 78);
                CHECK(r.out.empty());
            }
        }
    }
}

TEST_CASE("config check: usage errors exit 64, help exits 0", "[config]") {
    auto none = run({kBinary, "check"});
    CHECK(none.exit_code == 64);
    CHECK(none.err.find("--config FILE is required") != std::string::npos);
    auto unknown = run({kBinary, "check", "--confg", "x"});
    CHECK(unknown.exit_code == 64);
    auto extra = run({kBinary, "check", "--config", "a.toml", "b.toml"});
    CHECK(extra.exit_code == 64);
    auto help = run({kBinary, "check", "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--reference") != std::string::npos);
}

TEST_CASE("config check: unreadable files are diagnostics, exit 78", "[config]") {
    std::string dir = hashsink::test::temp_dir();
    auto missing = check_in(dir, "missing.toml");
    CHECK(missing.exit_code == 78);
    CHECK(missing.err ==
          "missing.toml:0:0: error: cannot read file: No such file or directory\n");
    auto is_dir = run({kBinary, "check", "--config", dir});
    CHECK(is_dir.exit_code == 78);
    CHECK(is_dir.err == dir + ":0:0: error: cannot read file: is a directory\n");

    std::string big(2 * 1024 * 1024, '#');
    write_file(dir + "/big.toml", big);
    auto huge = check_in(dir, "big.toml");
    CHECK(huge.exit_code == 78);
    CHECK(huge.err ==
          "big.toml:0:0: error: file is larger than 1 MiB; this is not a hashsink config\n");

    std::string junk;
    for (int i = 0; i < 70000; ++i) junk += static_cast<char>((i * 7919 + 13) % 256);
    write_file(dir + "/junk.toml", junk);
    auto bytes = check_in(dir, "junk.toml");
    CHECK(bytes.exit_code == 78);
    CHECK(bytes.err.find("junk.toml:") == 0);
    std::filesystem::remove_all(dir);
}

TEST_CASE("config reference: docs/config-reference.md is up to date", "[config]") {
    auto r = run({kBinary, "check", "--reference"});
    REQUIRE(r.exit_code == 0);
    const std::string committed = read_file(kSource + "/docs/config-reference.md");
    INFO("regenerate with: build/hashsink check --reference > docs/config-reference.md");
    CHECK(r.out == committed);
}
