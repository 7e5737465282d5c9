// Every example config passes `hashsink check`, so the examples the docs point at stay valid.
#include <catch2/catch.hpp>
#include <dirent.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

TEST_CASE("examples: every examples/*.toml passes hashsink check", "[heat][examples]") {
    const std::string dir = std::string(HASHSINK_SOURCE_DIR) + "/examples";
    std::vector<std::string> files;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d)) {
            std::string name = e->d_name;
            if (name.size() > 5 && name.substr(name.size() - 5) == ".toml") files.push_back(name);
        }
        ::closedir(d);
    }
    std::sort(files.begin(), files.end());
    REQUIRE(std::find(files.begin(), files.end(), "heated-home.toml") != files.end());
    for (const auto& f : files) {
        auto r = hashsink::test::run({HASHSINK_BINARY, "check", "--config", dir + "/" + f});
        INFO(f << "\n" << r.out << r.err);
        CHECK(r.exit_code == 0);
    }
}
