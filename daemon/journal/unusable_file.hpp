// A journal file SQLite cannot read as a database (damaged, truncated, overwritten, or
// unreadable) is moved aside at start, so the daemon keeps control and records from scratch
// instead of refusing to start; the old file is kept for inspection, never deleted.
#pragma once

#include <optional>
#include <string>

#include "daemon/core/result.hpp"

namespace hashsink::journal {

// When the file at `path` exists and is unusable, renames it (and its -wal and -shm) to
// `<path>.unusable-<unix seconds>` and returns what was done and why; nullopt when the file is
// missing or readable as a database (a foreign or newer database is not touched: opening it
// reports that). An error when it cannot be moved (a read-only directory).
Result<std::optional<std::string>> set_aside_unusable(const std::string& path, long long unix_s);

// Why a database cannot be created at `path`: its folder is missing, not writable, or takes no
// new file (`cause`: what opening it said, as root passes the permission check); empty when
// the file exists (opening it says why it failed).
std::string cannot_create_reason(const std::string& path, const std::string& cause);

}  // namespace hashsink::journal
