// Credentials come from files (`password_file = "/etc/hashsink/antminer.pw"`), never from the
// config itself, and never appear in a log line or the status.
#pragma once

#include <string>

#include "daemon/core/result.hpp"

namespace hashsink::miners {

// The file's first line, trailing whitespace removed: every driver reads its password or API
// key this way. Errors name the key and path and the cause, never the content:
// `read password_file /x: cannot open (No such file...)`. Files over 4 KiB are refused (a
// password file is short; this is not the file we meant).
Result<std::string> read_secret_file(const std::string& path, const std::string& key);

}  // namespace hashsink::miners
