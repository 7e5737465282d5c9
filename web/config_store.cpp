#include "web/config_store.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "web/atomic_file.hpp"

namespace hashsink::web {
namespace {

constexpr std::size_t kMaxConfigBytes = 1024 * 1024;
constexpr std::size_t kMaxNoteBytes = 4096;

}  // namespace

ConfigStore::ConfigStore(std::string path, std::size_t keep) : path_(std::move(path)), keep_(keep) {}

bool ConfigStore::valid_id(const std::string& id) {
    return !id.empty() && id.size() <= 20 &&
           std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<std::string> ConfigStore::current() const {
    std::lock_guard lock(mutex_);
    return read_small_file(path_, kMaxConfigBytes);
}

std::string ConfigStore::current_note() const {
    std::lock_guard lock(mutex_);
    return read_small_file(current_note_path(), kMaxNoteBytes).value_or("");
}

Status ConfigStore::save(const std::string& text, std::int64_t now_ms, const std::string& note) {
    std::lock_guard lock(mutex_);
    if (text.size() > kMaxConfigBytes)
        return Status::error(ErrorCode::invalid, "web: save config: larger than 1 MiB", false);
    auto old = read_small_file(path_, kMaxConfigBytes);
    if (::mkdir(versions_dir().c_str(), 0700) != 0 && errno != EEXIST)
        return Status::error(ErrorCode::io, "web: create " + versions_dir() + ": " +
                                                std::strerror(errno), false);
    if (old) {
        // Unique even for two saves in one millisecond.
        std::int64_t id = now_ms;
        struct stat st {};
        while (::stat((versions_dir() + "/" + std::to_string(id) + ".toml").c_str(), &st) == 0) ++id;
        if (auto s = write_file_atomic(versions_dir() + "/" + std::to_string(id) + ".toml", *old, 0600);
            !s)
            return s;
        // The archived file keeps the note it was saved with (best effort: a note is a hint).
        if (auto n = read_small_file(current_note_path(), kMaxNoteBytes); n && !n->empty())
            (void)write_file_atomic(versions_dir() + "/" + std::to_string(id) + ".note", *n, 0600);
    }
    if (auto s = write_file_atomic(path_, text, 0644); !s) return s;
    (void)write_file_atomic(current_note_path(), note.substr(0, kMaxNoteBytes), 0600);
    auto all = [&] {
        std::vector<std::string> ids;
        if (DIR* d = ::opendir(versions_dir().c_str())) {
            while (dirent* e = ::readdir(d)) {
                std::string name = e->d_name;
                if (name.size() > 5 && name.substr(name.size() - 5) == ".toml" &&
                    valid_id(name.substr(0, name.size() - 5)))
                    ids.push_back(name.substr(0, name.size() - 5));
            }
            ::closedir(d);
        }
        std::sort(ids.begin(), ids.end(), [](const std::string& a, const std::string& b) {
            return std::stoll(a) > std::stoll(b);
        });
        return ids;
    }();
    for (std::size_t i = keep_; i < all.size(); ++i) {
        ::unlink((versions_dir() + "/" + all[i] + ".toml").c_str());
        ::unlink((versions_dir() + "/" + all[i] + ".note").c_str());
    }
    return {};
}

std::vector<ConfigVersion> ConfigStore::versions() const {
    std::lock_guard lock(mutex_);
    std::vector<ConfigVersion> out;
    if (DIR* d = ::opendir(versions_dir().c_str())) {
        while (dirent* e = ::readdir(d)) {
            std::string name = e->d_name;
            if (name.size() <= 5 || name.substr(name.size() - 5) != ".toml") continue;
            std::string id = name.substr(0, name.size() - 5);
            if (!valid_id(id)) continue;
            struct stat st {};
            if (::stat((versions_dir() + "/" + name).c_str(), &st) != 0) continue;
            out.push_back({id, std::stoll(id), static_cast<std::size_t>(st.st_size),
                           read_small_file(versions_dir() + "/" + id + ".note", kMaxNoteBytes)
                               .value_or("")});
        }
        ::closedir(d);
    }
    std::sort(out.begin(), out.end(),
              [](const ConfigVersion& a, const ConfigVersion& b) { return a.saved_ms > b.saved_ms; });
    return out;
}

Result<std::string> ConfigStore::version(const std::string& id) const {
    if (!valid_id(id))
        return Status::error(ErrorCode::invalid, "version: expected a number", false);
    std::lock_guard lock(mutex_);
    auto text = read_small_file(versions_dir() + "/" + id + ".toml", kMaxConfigBytes);
    if (!text) return Status::error(ErrorCode::invalid, "version " + id + ": no such version", false);
    return text;
}

}  // namespace hashsink::web
