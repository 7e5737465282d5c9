// Loopback helpers for tests: free ports, waiting for a listener.
#pragma once

#include <chrono>

namespace hashsink::test {

// A TCP port on 127.0.0.1 that nothing listens on right now.
int free_port();
// A socket listening on 127.0.0.1 at a free port, which goes to `port`; the caller closes it.
int listen_loopback(int& port);
// Waits until something accepts connections on 127.0.0.1:port.
bool wait_for_port(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace hashsink::test
