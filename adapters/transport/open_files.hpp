// The process's limit on open files. Every device the daemon keeps a connection to holds a
// descriptor, so a fleet of thousands needs more than the 1024 a shell or a systemd service
// gets by default (systemd: soft 1024, hard 524288). The HTTP client waits with poll(), not
// select(), so descriptors past 1024 are safe to use.
#pragma once

#include <cstddef>

namespace hashsink::transport {

// Raises the soft limit to `wanted`, or as far as the hard limit allows (0: to the hard limit);
// never lowers it. Returns the soft limit in force afterwards (0 when it cannot be read).
std::size_t raise_open_file_limit(std::size_t wanted = 0);

}  // namespace hashsink::transport
