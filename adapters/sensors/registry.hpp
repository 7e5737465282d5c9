// Source types by name: each declares its keys and builds a Source from validated options.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/core/options.hpp"
#include "daemon/core/source.hpp"

namespace hashsink::sensors {

struct SourceType {
    std::string name;
    std::string summary;
    KeyTable keys;
    // id: the source's id from the config; options: validated against keys.
    std::function<std::unique_ptr<Source>(const std::string& id, const Options& options)> make;
};

const std::vector<SourceType>& source_types();
const SourceType* find_source_type(const std::string& name);

}  // namespace hashsink::sensors
