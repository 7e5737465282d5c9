// Reading a journal a daemon left behind, from a test.
#pragma once

#include <cstdint>
#include <string>

namespace hashsink::test {

// The first column of the first row of `sql` (a count) in the SQLite file `db`, opened read-only
// (waiting up to 5 s on a writer's lock); -1 when there is no row. Fails the test when the file
// or the query cannot be opened.
std::int64_t count_rows(const std::string& db, const std::string& sql);

}  // namespace hashsink::test
