// The config file: TOML through the one loader `check`, `run` and the web page use, with the
// daemon's catalog of plugins.
#include "daemon/app/catalog.hpp"
#include "daemon/config/config.hpp"
#include "fuzz/fuzz_input.hpp"

using namespace hashsink;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const config::Catalog catalog = app::build_catalog();
    auto loaded = config::load_string(fuzz::text(data, size), "fuzz.toml", catalog);
    for (const auto& d : loaded.diagnostics) (void)d.format();
    if (loaded.config) (void)config::loop_settings(*loaded.config);
    return 0;
}
