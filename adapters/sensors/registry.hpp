// Source types by name: each declares its keys and builds a Source from validated options.
#pragma once

#include <string>
#include <vector>

#include "daemon/core/plugin_type.hpp"
#include "daemon/core/source.hpp"

namespace hashsink::sensors {

using SourceType = PluginType<Source>;

const std::vector<SourceType>& source_types();
const SourceType* find_source_type(const std::string& name);

}  // namespace hashsink::sensors
