// The site's config file as the web page saves it: every save keeps the file it replaces as a
// numbered version beside it (<config>.versions/<unix ms>.toml), writes atomically, and can
// bring any kept version back.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/core/result.hpp"

namespace hashsink::web {

struct ConfigVersion {
    std::string id;             // "<unix ms>", also the file's name without .toml
    std::int64_t saved_ms = 0;  // when it was replaced (it was the live config until then)
    std::size_t bytes = 0;
    std::string note;           // how the page wrote it ("" for a hand-written file)
};

class ConfigStore {
public:
    explicit ConfigStore(std::string path, std::size_t keep = 50);

    const std::string& path() const { return path_; }
    Result<std::string> current() const;
    // Archives the current file (when there is one) with its note, then writes text in its
    // place; note says how it was written (kept beside the file, shown with the versions).
    Status save(const std::string& text, std::int64_t now_ms, const std::string& note = {});
    std::string current_note() const;
    std::vector<ConfigVersion> versions() const;   // newest first
    Result<std::string> version(const std::string& id) const;

    static bool valid_id(const std::string& id);

private:
    std::string versions_dir() const { return path_ + ".versions"; }
    std::string current_note_path() const { return versions_dir() + "/current.note"; }
    std::string path_;
    std::size_t keep_;
    mutable std::mutex mutex_;
};

}  // namespace hashsink::web
