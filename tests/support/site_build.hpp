// A whole Site built in-process from a config file, for integration tests of the wiring: the
// config loaded with every registered type, the journal in the test's directory.
#pragma once

#include <catch2/catch.hpp>
#include <memory>
#include <string>

#include "daemon/app/catalog.hpp"
#include "daemon/app/site.hpp"
#include "daemon/config/config.hpp"

namespace hashsink::test {

// The first run's setup code of every site built here: a test holds it as the installer holds
// the one the daemon prints.
inline constexpr const char* kSetupCode = "TESTS-ETUP2";

// The config in `path`; REQUIREs that it loads, naming the first problem when it does not.
inline config::SiteConfig loaded_config(const std::string& path) {
    auto loaded = config::load_file(path, app::build_catalog());
    INFO((loaded.diagnostics.empty() ? "" : loaded.diagnostics.front().format()));
    REQUIRE(loaded.ok());
    return *loaded.config;
}

// A site of `cfg` with its journal at `dir`/journal.db and kSetupCode.
inline Result<std::unique_ptr<app::Site>> build_site(const config::SiteConfig& cfg,
                                                     const std::string& dir, const Clock& clock) {
    return app::Site::build(cfg, {dir + "/journal.db", "", kSetupCode}, clock);
}

// The site of the config in `path`, built and started; REQUIREs both.
inline std::unique_ptr<app::Site> started_site(const std::string& path, const std::string& dir,
                                               const Clock& clock) {
    auto built = build_site(loaded_config(path), dir, clock);
    INFO((built ? "" : built.error().message));
    REQUIRE(built);
    auto site = std::move(*built);
    REQUIRE(site->start());
    return site;
}

}  // namespace hashsink::test
