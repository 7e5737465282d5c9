// SIGINT/SIGTERM as a flag the main thread waits on; SIGXFSZ ignored.
#pragma once

#include <chrono>

namespace hashsink::app {

void install_stop_signals();
// A write past the file size limit (RLIMIT_FSIZE) then fails with EFBIG, which the journal
// reports like a full disk, instead of SIGXFSZ killing the daemon and stopping control of
// its miners. Call before the journal opens.
void ignore_file_size_signal();
bool stop_requested();
// Sleeps up to `d`, returning early (true) once a stop signal arrived.
bool wait_for_stop(std::chrono::milliseconds d);

}  // namespace hashsink::app
