// Thin RAII wrappers over the SQLite C API for the journal. Errors are values (codes and
// messages), never exceptions.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace hashsink::journal {

class Statement;

class Database {
public:
    Database() = default;
    ~Database();
    Database(Database&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
    Database& operator=(Database&& other) noexcept;
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // Returns SQLITE_OK or the error code; message() says why.
    int open(const std::string& path, int flags);
    void close() noexcept;
    sqlite3* get() const noexcept { return db_; }
    explicit operator bool() const noexcept { return db_ != nullptr; }

    // Runs one or more statements without results.
    int exec(const char* sql) noexcept;
    // Runs a query whose first column of the first row is returned as text (e.g. a PRAGMA).
    std::optional<std::string> query_text(const char* sql) noexcept;
    std::optional<std::int64_t> query_int(const char* sql) noexcept;
    std::string message() const;
    bool read_only() const noexcept;

private:
    sqlite3* db_ = nullptr;
};

class Statement {
public:
    Statement() = default;
    ~Statement();
    Statement(Statement&& other) noexcept : stmt_(other.stmt_) { other.stmt_ = nullptr; }
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    int prepare(sqlite3* db, const char* sql) noexcept;
    explicit operator bool() const noexcept { return stmt_ != nullptr; }
    sqlite3_stmt* get() const noexcept { return stmt_; }

    // Binding indexes start at 1. Strings are copied (SQLITE_TRANSIENT).
    void bind(int i, std::int64_t v) noexcept { sqlite3_bind_int64(stmt_, i, v); }
    void bind(int i, double v) noexcept { sqlite3_bind_double(stmt_, i, v); }
    void bind(int i, bool v) noexcept { sqlite3_bind_int(stmt_, i, v ? 1 : 0); }
    void bind(int i, std::string_view v) noexcept {
        sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    void bind(int i, const std::optional<double>& v) noexcept {
        if (v) bind(i, *v); else bind_null(i);
    }
    void bind(int i, const std::optional<std::int64_t>& v) noexcept {
        if (v)
            bind(i, *v);
        else
            bind_null(i);
    }
    void bind_null(int i) noexcept { sqlite3_bind_null(stmt_, i); }
    // Binds the values to ?1, ?2, ... in order.
    template <class... Values>
    void bind_all(const Values&... values) noexcept {
        int i = 0;
        (bind(++i, values), ...);
    }

    // SQLITE_ROW, SQLITE_DONE or an error code.
    int step() noexcept { return sqlite3_step(stmt_); }
    // Resets for the next use and clears bindings.
    void reset() noexcept {
        sqlite3_reset(stmt_);
        sqlite3_clear_bindings(stmt_);
    }

    std::int64_t column_int(int i) const noexcept { return sqlite3_column_int64(stmt_, i); }
    double column_double(int i) const noexcept { return sqlite3_column_double(stmt_, i); }
    std::optional<double> column_optional_double(int i) const noexcept {
        if (sqlite3_column_type(stmt_, i) == SQLITE_NULL) return std::nullopt;
        return sqlite3_column_double(stmt_, i);
    }
    std::string column_text(int i) const;

private:
    sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace hashsink::journal
