// Small helpers shared by the miner drivers: secrets from files, verification deadlines.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"

namespace hashsink::miners {

// Reads a secret (password, API key) from a file: the first line, trailing whitespace removed.
// The error names the path, never the content. Files over 4 KiB are refused.
Result<std::string> read_secret_file(const std::string& path);

// Calls `check` until it returns ok, a non-not_applied error, or the deadline passes (then the
// last not_applied status is returned). At least one call; `interval` between calls.
Status poll_until(Duration deadline, Duration interval, const std::function<Status()>& check);

}  // namespace hashsink::miners
