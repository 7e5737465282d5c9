// Operator log: stderr, "<N>" priority prefixes under systemd (journald reads them), a human
// format in a terminal. Never throws.
#pragma once

#include <string_view>

namespace hashsink::log {

enum class Level { debug = 7, info = 6, notice = 5, warning = 4, error = 3 };

void set_level(Level min_level) noexcept;
// True when stderr goes to the journal (JOURNAL_STREAM set) and prefixes should be used.
void set_journald(bool on) noexcept;
void write(Level level, std::string_view area, std::string_view message) noexcept;

inline void debug(std::string_view area, std::string_view m) noexcept { write(Level::debug, area, m); }
inline void info(std::string_view area, std::string_view m) noexcept { write(Level::info, area, m); }
inline void notice(std::string_view area, std::string_view m) noexcept { write(Level::notice, area, m); }
inline void warn(std::string_view area, std::string_view m) noexcept { write(Level::warning, area, m); }
inline void error(std::string_view area, std::string_view m) noexcept { write(Level::error, area, m); }

}  // namespace hashsink::log
