// Shared by the `hashsink emulate <family>` commands: serving until a signal.
#pragma once

#include <functional>
#include <string>

#include "daemon/core/result.hpp"

namespace hashsink::app {

// Blocks SIGINT/SIGTERM, runs start(), prints `banner` and waits for a signal, then stop().
// Returns the exit code (71 when start fails).
int serve_until_signal(const std::string& command, const std::function<Status()>& start,
                       const std::function<std::string()>& banner,
                       const std::function<void()>& stop);

}  // namespace hashsink::app
