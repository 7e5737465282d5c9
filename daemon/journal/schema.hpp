// The journal's schema as numbered migrations: version n is kMigrations[n - 1]. Append new
// migrations at the end; never edit one that has shipped.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "daemon/core/result.hpp"
#include "daemon/journal/sqlite.hpp"

namespace hashsink::journal {

const std::vector<const char*>& migrations();
inline int latest_schema_version() { return static_cast<int>(migrations().size()); }

// The tables record calls write, as queries name them (readings and its rollups are views
// since version 7); count() accepts only these.
const std::vector<const char*>& journal_tables();

// The tables that hold the rows, as retention prunes them: what names a row, and whether it
// is a per-tick table (kept for keep_raw, the rest for retention).
struct StoredTable {
    const char* name;
    const char* key;
    bool per_tick;
};
const std::vector<StoredTable>& stored_tables();

// Brings the database to the latest version, one transaction per migration. Refuses a
// database newer than this code, or a file that holds other tables but no schema_migrations.
// `what` names the database in messages.
// before(v), when given, is called before migration v is applied to an existing journal (not
// while a new file is created).
Status migrate(Database& db, const std::string& what, std::int64_t now_ms,
               const std::function<void(int)>& before = {});

}  // namespace hashsink::journal
