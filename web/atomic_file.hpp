// Files the web layer writes (config versions, the auth file): whole or not at all.
#pragma once

#include <string>

#include "daemon/core/result.hpp"

namespace hashsink::web {

// Writes text to path through a temp file in the same directory: write, fsync, rename, fsync
// the directory. mode: permission bits of the new file.
Status write_file_atomic(const std::string& path, const std::string& text, unsigned mode = 0644);
Result<std::string> read_small_file(const std::string& path, std::size_t max_bytes);

}  // namespace hashsink::web
