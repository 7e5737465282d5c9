// Compiled with the policies' include view: the core is there.
#include "daemon/core/result.hpp"

int layering_probe_core() { return hashsink::Status::success().ok() ? 0 : 1; }
