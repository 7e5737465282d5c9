// Shared by the `hashsink emulate <family>` commands: port parsing and serving until a signal.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "daemon/cli/cli.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::app {

// --<name> as a whole number in min..max (fallback when absent); nullopt (and a message) when
// bad.
std::optional<long> emulate_int(const Args& args, const std::string& command,
                                const std::string& name, long min, long max, long fallback);

// --port as 0..65535 (fallback when absent); nullopt (and a message) when bad.
std::optional<int> emulate_port(const Args& args, const std::string& command, int fallback);

// Blocks SIGINT/SIGTERM, runs start(), prints `banner` and waits for a signal, then stop().
// Returns the exit code (71 when start fails).
int serve_until_signal(const std::string& command, const std::function<Status()>& start,
                       const std::function<std::string()>& banner,
                       const std::function<void()>& stop);

}  // namespace hashsink::app
