// The process's open files. Every device the daemon keeps a connection to holds a descriptor,
// so a fleet of thousands needs more than the 1024 a shell or a systemd service gets by default
// (systemd: soft 1024, hard 524288). The HTTP client and the MQTT library wait with poll(), so
// descriptors past 1024 are fine for them; libmodbus waits with select(), whose fd_set holds only
// descriptors below FD_SETSIZE (1024): one past it aborts the process (glibc's fortify check).
// So a Modbus connection is moved onto a low descriptor kept in reserve from the start.
#pragma once

#include <cstddef>

#include "daemon/core/result.hpp"

namespace hashsink::transport {

// Raises the soft limit to `wanted`, or as far as the hard limit allows (0: to the hard limit);
// never lowers it. Returns the soft limit in force afterwards (0 when it cannot be read).
std::size_t raise_open_file_limit(std::size_t wanted = 0);

// Keeps `count` descriptors below FD_SETSIZE in reserve (placeholders on /dev/null), to be
// taken by select() users later; call it early, while low numbers are free. Returns how many
// the reserve holds.
std::size_t reserve_low_descriptors(std::size_t count);

// `fd` if it is below FD_SETSIZE; otherwise `fd` moved onto a reserved low descriptor (`fd`
// itself is closed). An error, with `fd` closed, when it is high and the reserve is empty.
Result<int> to_low_descriptor(int fd);
// Closes a descriptor to_low_descriptor() returned: a reserved one goes back to the reserve.
void close_low_descriptor(int fd);

}  // namespace hashsink::transport
