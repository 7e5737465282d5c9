// The config layer's view of every plugin: key tables by name, from the three registries.
#pragma once

#include "daemon/config/config.hpp"

namespace hashsink::app {

config::Catalog build_catalog();

}  // namespace hashsink::app
