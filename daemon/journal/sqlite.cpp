#include "daemon/journal/sqlite.hpp"

#include <cerrno>
#include <system_error>

namespace hashsink::journal {

Database::~Database() { close(); }

Database& Database::operator=(Database&& other) noexcept {
    if (this != &other) {
        close();
        db_ = other.db_;
        other.db_ = nullptr;
    }
    return *this;
}

int Database::open(const std::string& path, int flags) {
    close();
    // The handle is created even on failure so the message can be read; keep it until close().
    return sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
}

void Database::close() noexcept {
    if (db_ != nullptr) {
        sqlite3_close_v2(db_);
        db_ = nullptr;
    }
}

int Database::exec(const char* sql) noexcept { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

std::optional<std::string> Database::query_text(const char* sql) noexcept {
    Statement s;
    if (s.prepare(db_, sql) != SQLITE_OK) return std::nullopt;
    if (s.step() != SQLITE_ROW) return std::nullopt;
    try {
        return s.column_text(0);
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<std::int64_t> Database::query_int(const char* sql) noexcept {
    Statement s;
    if (s.prepare(db_, sql) != SQLITE_OK) return std::nullopt;
    if (s.step() != SQLITE_ROW) return std::nullopt;
    return s.column_int(0);
}

std::string Database::message() const {
    const int thread_errno = errno;  // first: what SQLite's last failed system call said
    if (db_ == nullptr) return "out of memory";
    std::string text = sqlite3_errmsg(db_);
    // "disk I/O error" alone does not tell a file at its size limit from a failing disk. SQLite
    // keeps the OS error only on some paths (not a failed COMMIT); otherwise its call just
    // failed on this thread, so errno still holds it.
    const int primary = sqlite3_errcode(db_) & 0xff;
    int os_error = sqlite3_system_errno(db_);
    if (os_error == 0 && primary == SQLITE_IOERR) os_error = thread_errno;
    if ((primary == SQLITE_IOERR || primary == SQLITE_CANTOPEN) && os_error != 0)
        text += " (" + std::generic_category().message(os_error) + ")";
    return text;
}

bool Database::read_only() const noexcept { return db_ != nullptr && sqlite3_db_readonly(db_, "main") == 1; }

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(stmt_);
        stmt_ = other.stmt_;
        other.stmt_ = nullptr;
    }
    return *this;
}

int Statement::prepare(sqlite3* db, const char* sql) noexcept {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
}

std::string Statement::column_text(int i) const {
    const unsigned char* text = sqlite3_column_text(stmt_, i);
    if (text == nullptr) return {};
    return std::string(reinterpret_cast<const char*>(text),
                       static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)));
}

}  // namespace hashsink::journal
