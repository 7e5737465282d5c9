// Raw SQLite access for journal tests: what another reader of the file would see.
#pragma once

#include <sqlite3.h>

#include <string>

namespace hashsink::test {

// The first column of the first row as text ("" for NULL or no row, "error: ..." on failure).
inline std::string sql_text(const std::string& path, const std::string& query) {
    sqlite3* db = nullptr;
    std::string out;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
        out = "error: " + std::string(db ? sqlite3_errmsg(db) : "open");
        sqlite3_close(db);
        return out;
    }
    sqlite3_busy_timeout(db, 2000);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, query.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
        out = "error: " + std::string(sqlite3_errmsg(db));
    } else {
        int rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW) {
            const unsigned char* text = sqlite3_column_text(stmt, 0);
            if (text) out = reinterpret_cast<const char*>(text);
        } else if (rc != SQLITE_DONE) {
            out = "error: " + std::string(sqlite3_errmsg(db));
        }
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return out;
}

inline bool sql_exec(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    bool ok = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                              nullptr) == SQLITE_OK &&
              sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
    sqlite3_close(db);
    return ok;
}

}  // namespace hashsink::test
