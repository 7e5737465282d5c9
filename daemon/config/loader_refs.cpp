// Ids and references: each [[sources]] and [[miners]] id valid and defined once, each miner's
// address used once, and every key that names a source or a miner naming one that is defined.
#include "daemon/config/loader.hpp"
#include "daemon/config/suggest.hpp"

namespace hashsink::config::detail {
namespace {

constexpr std::size_t kMaxIdLength = 64;

std::string lowered(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// "host:port/path" of a base URL, the port filled in from the scheme (http 80, https 443), the
// host in lower case, trailing slashes dropped: two spellings of one address compare equal.
// Names are not resolved, so a name and its IP address still differ.
std::string url_address(std::string_view url) {
    constexpr auto npos = std::string_view::npos;
    std::string scheme = "http";
    if (auto at = url.find("://"); at != npos) {
        scheme = lowered(std::string(url.substr(0, at)));
        url.remove_prefix(at + 3);
    }
    const auto path_at = url.find('/');
    std::string_view authority = url.substr(0, path_at);
    std::string path(path_at == npos ? std::string_view{} : url.substr(path_at));
    while (!path.empty() && path.back() == '/') path.pop_back();
    if (auto at = authority.rfind('@'); at != npos) authority.remove_prefix(at + 1);
    // The port follows the last ':' outside an IPv6 address's brackets.
    std::string_view host = authority, port;
    const auto colon = authority.rfind(':'), bracket = authority.rfind(']');
    if (colon != npos && (bracket == npos || colon > bracket)) {
        host = authority.substr(0, colon);
        port = authority.substr(colon + 1);
    }
    const std::string port_or_default = !port.empty()       ? std::string(port)
                                        : scheme == "https" ? "443"
                                                            : "80";
    return lowered(std::string(host)) + ":" + port_or_default + path;
}

bool valid_id(std::string_view id) {
    if (id.empty() || id.size() > kMaxIdLength) return false;
    for (char c : id) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

void Loader::check_id(const toml::table& t, const std::string& path, const char* noun,
                      const PluginConfig& pc, std::map<std::string, int>& ids) {
    const toml::node* idn = t.get("id");
    if (!idn || !idn->is_string()) return;
    int line = pos(*idn).line;
    if (!valid_id(pc.id)) {
        error(pos(*idn), path + ".id",
              "invalid id " + quoted(pc.id) + ": use 1 to 64 letters, digits, '_', '-' or '.'");
    } else if (auto prev = ids.find(pc.id); prev != ids.end()) {
        error(pos(*idn), path + ".id",
              "duplicate " + std::string(noun) + " id " + quoted(pc.id) +
                  " (first defined at line " + std::to_string(prev->second) + ")");
    } else {
        ids.emplace(pc.id, line);
    }
}

void Loader::check_address(const toml::table& t, const std::string& path, const PluginConfig& pc) {
    if (!pc.common.get_bool("enabled", true)) return;  // a spare entry drives nothing
    const char* key = pc.options.has("url") ? "url" : pc.options.has("host") ? "host" : nullptr;
    const toml::node* node = key ? t.get(key) : nullptr;
    if (!node || pc.id.empty()) return;
    const std::string given = pc.options.get_string(key);
    if (given.empty()) return;
    const std::string address =
        *key == 'u' ? url_address(given)
                    : lowered(given) + ":" + std::to_string(pc.options.get_int("port", 0));
    auto [first, added] = miner_addresses_.emplace(address, FirstAt{pc.id, pos(*node).line});
    if (added) return;
    error(pos(*node), path + "." + key,
          "miner " + quoted(pc.id) + " has the same address as miner " + quoted(first->second.id) +
              " (line " + std::to_string(first->second.line) + "): " + address +
              "; one device driven by two entries would get two targets at once");
}

void Loader::check_refs() {
    for (const auto& r : refs_) {
        const auto& ids = r.kind == RefKind::source ? source_ids_ : miner_ids_;
        if (ids.count(r.id)) continue;
        const char* noun = r.kind == RefKind::source ? "source" : "miner";
        std::vector<std::string> known;
        for (const auto& [id, _] : ids) known.push_back(id);
        std::string msg = std::string("unknown ") + noun + " id " + quoted(r.id);
        if (known.empty())
            msg += std::string(" (no [[") + noun + "s]] are defined)";
        else
            msg += suggestion(r.id, known, std::string("defined ") + noun + "s");
        error(r.where, r.path, msg);
    }
}

}  // namespace hashsink::config::detail
