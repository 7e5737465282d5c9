// Ids and references: each [[sources]] and [[miners]] id valid and defined once, and every key
// that names a source or a miner naming one that is defined.
#include "daemon/config/loader.hpp"
#include "daemon/config/suggest.hpp"

namespace hashsink::config::detail {
namespace {

constexpr std::size_t kMaxIdLength = 64;

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
