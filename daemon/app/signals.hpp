// SIGINT/SIGTERM as a flag the main thread waits on.
#pragma once

#include <chrono>

namespace hashsink::app {

void install_stop_signals();
bool stop_requested();
// Sleeps up to `d`, returning early (true) once a stop signal arrived.
bool wait_for_stop(std::chrono::milliseconds d);

}  // namespace hashsink::app
