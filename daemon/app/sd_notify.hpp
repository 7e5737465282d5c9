// systemd's notify protocol without libsystemd: one datagram to $NOTIFY_SOCKET.
// The loop sends "READY=1" once running and "WATCHDOG=1" every tick; "STOPPING=1" on shutdown.
#pragma once

#include <optional>
#include <string_view>

#include "daemon/core/time.hpp"

namespace hashsink::app {

// Sends state to $NOTIFY_SOCKET (a path, or an abstract name written "@name"). False when the
// variable is unset (not under systemd), unsupported, or the send failed. Never throws.
bool sd_notify(std::string_view state) noexcept;

// The watchdog timeout systemd enforces (WATCHDOG_USEC), when it applies to this process
// (WATCHDOG_PID absent or equal to our pid). Ping at least twice per interval.
std::optional<Duration> watchdog_interval() noexcept;

}  // namespace hashsink::app
