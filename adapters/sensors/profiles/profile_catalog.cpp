#include "adapters/sensors/profiles/profile_catalog.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#ifndef HASHSINK_PROFILE_DIR
#define HASHSINK_PROFILE_DIR "/usr/local/share/hashsink/profiles"
#endif

namespace hashsink::sensors::profiles {
namespace {

constexpr std::uintmax_t kMaxProfileBytes = 1 << 20;

bool valid_name(const std::string& name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

Result<std::string> read_text(const std::string& path) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path, ec);
    if (ec) return Status::error(ErrorCode::io, "profile " + path + ": " + ec.message(), false);
    if (size > kMaxProfileBytes)
        return Status::error(ErrorCode::invalid, "profile " + path + ": larger than 1 MiB", false);
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::error(ErrorCode::io, "profile " + path + ": cannot open", false);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

std::string default_profile_dir() { return HASHSINK_PROFILE_DIR; }

Result<Profile> load_profile_file(const std::string& path) {
    try {
        auto text = read_text(path);
        if (!text) return text.error();
        return parse_profile(*text, std::filesystem::path(path).stem().string(), path);
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::io, "profile " + path + ": " + e.what(), false);
    }
}

Result<Profile> load_profile(const std::string& name, const std::string& dir) {
    if (!valid_name(name))
        return Status::error(ErrorCode::invalid,
                             "profile '" + name + "': not a profile name (letters, digits, _ -)",
                             false);
    try {
        const std::string d = dir.empty() ? default_profile_dir() : dir;
        const std::string path = d + "/" + name + ".toml";
        std::error_code ec;
        if (std::filesystem::is_regular_file(path, ec)) return load_profile_file(path);
        for (const auto& e : embedded_profiles())
            if (name == e.name) return parse_profile(e.text, name, "(built-in) " + name + ".toml");
        std::string known;
        for (const auto& n : profile_names(dir)) known += (known.empty() ? "" : ", ") + n;
        return Status::error(
            ErrorCode::invalid,
            "profile '" + name + "': not found in " + d + " nor built in (known: " + known + ")",
            false);
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::io, "profile " + name + ": " + e.what(), false);
    }
}

std::vector<std::string> profile_names(const std::string& dir) {
    std::set<std::string> names;
    for (const auto& e : embedded_profiles()) names.insert(e.name);
    try {
        std::error_code ec;
        const std::string d = dir.empty() ? default_profile_dir() : dir;
        for (const auto& entry : std::filesystem::directory_iterator(d, ec)) {
            if (entry.path().extension() == ".toml" && valid_name(entry.path().stem().string()))
                names.insert(entry.path().stem().string());
        }
    } catch (const std::exception&) {
        // An unreadable directory only hides its profiles; the built-in ones remain.
    }
    return {names.begin(), names.end()};
}

}  // namespace hashsink::sensors::profiles
