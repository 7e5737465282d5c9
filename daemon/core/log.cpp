#include "daemon/core/log.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

#include "daemon/core/time.hpp"

namespace hashsink::log {
namespace {
std::atomic<int> g_min_level{static_cast<int>(Level::info)};
std::atomic<bool> g_journald{std::getenv("JOURNAL_STREAM") != nullptr};
std::mutex g_mutex;

const char* level_name(Level l) {
    switch (l) {
        case Level::debug: return "debug";
        case Level::info: return "info";
        case Level::notice: return "notice";
        case Level::warning: return "warning";
        case Level::error: return "error";
    }
    return "?";
}
}  // namespace

void set_level(Level min_level) noexcept { g_min_level = static_cast<int>(min_level); }
void set_journald(bool on) noexcept { g_journald = on; }

void write(Level level, std::string_view area, std::string_view message) noexcept {
    if (static_cast<int>(level) > g_min_level.load()) return;
    try {
        std::string line;
        if (g_journald) {
            line = "<" + std::to_string(static_cast<int>(level)) + ">";
        } else {
            line = iso8601(WallClock::now()) + " " + level_name(level) + " ";
        }
        line.append(area).append(": ").append(message).push_back('\n');
        std::lock_guard lock(g_mutex);
        std::fwrite(line.data(), 1, line.size(), stderr);
    } catch (...) {
        // Logging must never take the daemon down.
    }
}

}  // namespace hashsink::log
