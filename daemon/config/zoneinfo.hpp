// Time zones by IANA name ("Europe/Berlin"), read from the system's zoneinfo directory (tzdata):
// $TZDIR when set, else /usr/share/zoneinfo. Only the config loader calls this; policies get the
// loaded zone in their settings.
#pragma once

#include <string>

#include "daemon/core/result.hpp"
#include "daemon/core/time_zone.hpp"

namespace hashsink::config {

// "UTC" and "" are UTC without a file. Names are refused when they could leave the zoneinfo
// directory (".." components, a leading "/") or hold anything but letters, digits, "_", "-",
// "+" and "/".
Result<TimeZone> load_zoneinfo(const std::string& name);

}  // namespace hashsink::config
