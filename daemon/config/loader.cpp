// Loading a config: the file read (at most 1 MiB), parsed, and one pass of the Loader over
// the tree; the diagnostics sorted by position.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include <sys/stat.h>

#include "daemon/config/loader.hpp"
#include "daemon/config/suggest.hpp"

namespace hashsink::config {

namespace detail {

SiteConfig Loader::load(const toml::table& root) {
    SiteConfig cfg;
    cfg.path = file_;
    static const std::vector<std::string> kTop = {
        "site",   "governor", "journal", "web",       "policy",       "sources",
        "miners", "simulate", "publish", "sparkplug", "modbus_server"};
    for (const auto& [k, node] : root) {
        std::string name(k.str());
        if (std::find(kTop.begin(), kTop.end(), name) == kTop.end())
            error(pos(k.source()), printable(name), "unknown key" + suggestion(name, kTop));
    }
    cfg.site = fixed_section(root, "site", site_keys());
    load_time_zone(root, cfg);
    cfg.governor = fixed_section(root, "governor", governor_keys());
    cfg.journal = fixed_section(root, "journal", journal_keys());
    cfg.web = fixed_section(root, "web", web_keys());
    cfg.publish = fixed_section(root, "publish", catalog_.publish);
    cfg.sparkplug = fixed_section(root, "sparkplug", catalog_.sparkplug);
    if (root.get("modbus_server"))
        cfg.modbus_server = fixed_section(root, "modbus_server", modbus_server_keys());
    load_policy(root, cfg);
    cfg.sources = plugins(root, "sources", "source", "type", source_keys(),
                          catalog_.source_types, source_ids_);
    cfg.miners = plugins(root, "miners", "miner", "driver", miner_keys(),
                         catalog_.miner_drivers, miner_ids_);
    load_simulate(root, cfg);
    for (auto& s : cfg.sources) s.options.set("timeout", s.common.get_duration("timeout"));
    check_listen(root, cfg.web, "web");
    if (cfg.modbus_server) check_listen(root, *cfg.modbus_server, "modbus_server");
    check_refs();
    return cfg;
}

}  // namespace detail

namespace {

using detail::Loader;

constexpr std::size_t kMaxFileBytes = 1024 * 1024;

// The parser's own text, already escaped by it; only keep control bytes off the terminal.
std::string sanitized(std::string_view text) {
    std::string out(text.substr(0, 512));
    for (char& c : out)
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    return out;
}

LoadResult finish(std::vector<Diagnostic> diags, std::optional<SiteConfig> cfg) {
    std::stable_sort(diags.begin(), diags.end(), [](const Diagnostic& a, const Diagnostic& b) {
        return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
    });
    LoadResult r;
    r.diagnostics = std::move(diags);
    if (r.diagnostics.empty()) r.config = std::move(cfg);
    return r;
}

}  // namespace

LoadResult load_string(std::string_view text, const std::string& file_name,
                       const Catalog& catalog) {
    if (text.size() > kMaxFileBytes) {
        return finish({Diagnostic{{file_name, 0, 0}, "",
                                  "file is larger than 1 MiB (" + std::to_string(text.size()) +
                                      " bytes); this is not a hashsink config"}},
                      std::nullopt);
    }
    toml::table root;
    try {
        root = toml::parse(text, file_name);
    } catch (const toml::parse_error& e) {
        Position where{file_name, static_cast<int>(e.source().begin.line),
                       static_cast<int>(e.source().begin.column)};
        return finish({Diagnostic{where, "", "TOML syntax error: " + sanitized(e.description())}},
                      std::nullopt);
    } catch (const std::exception& e) {
        return finish({Diagnostic{{file_name, 0, 0}, "", std::string("cannot parse: ") + e.what()}},
                      std::nullopt);
    }
    try {
        Loader loader(catalog, file_name);
        SiteConfig cfg = loader.load(root);
        return finish(std::move(loader.diagnostics()), std::move(cfg));
    } catch (const std::exception& e) {
        // A bug, not bad input; still a diagnostic rather than a crash of `check`.
        return finish({Diagnostic{{file_name, 0, 0}, "", std::string("internal error: ") + e.what()}},
                      std::nullopt);
    }
}

LoadResult load_file(const std::string& path, const Catalog& catalog) {
    auto fail = [&](const std::string& message) {
        return finish({Diagnostic{{path, 0, 0}, "", message}}, std::nullopt);
    };
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return fail("cannot read file: is a directory");
    std::ifstream in(path, std::ios::binary);
    if (!in) return fail(std::string("cannot read file: ") + std::strerror(errno));
    std::string text;
    text.resize(kMaxFileBytes + 1);
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    if (in.bad()) return fail("cannot read file: read error");
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) return fail("file is larger than 1 MiB; this is not a hashsink config");
    return load_string(text, path, catalog);
}

}  // namespace hashsink::config
