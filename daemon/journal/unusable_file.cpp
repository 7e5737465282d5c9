#include "daemon/journal/unusable_file.hpp"

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "daemon/journal/sqlite.hpp"

namespace hashsink::journal {
namespace {

// Why SQLite cannot read the file as a database, or empty when it can.
std::string unusable_reason(const std::string& path) {
    if (::access(path.c_str(), R_OK) != 0)
        return std::string("cannot read it: ") + std::strerror(errno);
    Database db;
    if (db.open(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX) != SQLITE_OK) return db.message();
    if (db.query_int("PRAGMA schema_version")) return {};
    const int code = sqlite3_errcode(db.get()) & 0xff;
    if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT || code == SQLITE_CANTOPEN)
        return db.message();
    return {};  // busy, locked, out of memory: not the file's fault
}

}  // namespace

Result<std::optional<std::string>> set_aside_unusable(const std::string& path, long long unix_s) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::optional<std::string>{};
    const std::string why = unusable_reason(path);
    if (why.empty()) return std::optional<std::string>{};
    const std::string aside = path + ".unusable-" + std::to_string(unix_s);
    for (const char* suffix : {"", "-wal", "-shm"}) {
        const std::string from = path + suffix;
        if (suffix[0] != '\0' && !std::filesystem::exists(from, ec)) continue;
        if (std::rename(from.c_str(), (aside + suffix).c_str()) != 0)
            return Status::error(ErrorCode::io,
                                 "journal " + path + ": the file is unusable (" + why +
                                     ") and cannot be moved aside: " + std::strerror(errno),
                                 false);
    }
    return std::optional<std::string>{"journal " + path + ": the file was unusable (" + why +
                                      "); moved aside to " + aside + ", recording from scratch"};
}

std::string cannot_create_reason(const std::string& path, const std::string& cause) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return {};
    auto dir = std::filesystem::path(path).parent_path();
    if (dir.empty()) dir = ".";
    if (!std::filesystem::is_directory(dir, ec))
        return "the folder " + dir.string() + " does not exist";
    if (::access(dir.c_str(), W_OK) != 0)
        return "the folder " + dir.string() + " is not writable: " + std::strerror(errno);
    return "the folder " + dir.string() + " takes no new file: " + cause;
}

}  // namespace hashsink::journal
