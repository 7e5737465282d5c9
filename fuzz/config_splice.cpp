// Saving the config from the page: the file's TOML as the page reads it (config_to_json), the
// page's JSON back to TOML (json_to_toml), and that spliced into the file. The splice must
// parse to the same values as what it splices in, empty top-level sections aside
// (web/api/config_splice.hpp).
#include "web/api/config_splice.hpp"

#include <toml++/toml.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "daemon/app/catalog.hpp"
#include "fuzz/fuzz_input.hpp"
#include "web/api/config_json.hpp"

using namespace hashsink;

namespace {

// The text's values, without top-level sections that hold nothing (splice_config may leave
// those out; an empty table deeper down must be kept).
std::optional<toml::table> parsed(const std::string& text) {
    try {
        toml::table root = toml::parse(text);
        std::vector<std::string> empty;
        for (const auto& [k, v] : root)
            if (v.is_table() && v.as_table()->empty()) empty.emplace_back(k.str());
        for (const auto& k : empty) root.erase(k);
        return root;
    } catch (const toml::parse_error&) {
        return std::nullopt;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const config::Catalog catalog = app::build_catalog();
    const auto in = fuzz::parts(fuzz::text(data, size), 2);
    const std::string& original = in[0];
    (void)web::config_to_json(original, catalog);
    const auto page = nlohmann::json::parse(in[1], nullptr, false);
    if (page.is_discarded()) return 0;
    auto generated = web::json_to_toml(page, original, catalog);
    if (!generated) return 0;
    const auto spliced = web::splice_config(original, *generated);
    const auto want = parsed(*generated), got = parsed(spliced.text);
    if (want && (!got || *got != *want)) {
        std::fprintf(stderr, "splice changed the values (%s):\n%s\n", spliced.note.c_str(),
                     spliced.text.c_str());
        std::abort();
    }
    return 0;
}
