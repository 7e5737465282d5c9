#include "adapters/sensors/registry.hpp"

namespace hashsink::sensors {

const std::vector<SourceType>& source_types() {
    static const std::vector<SourceType> all = {
        // One line per source type.
    };
    return all;
}

const SourceType* find_source_type(const std::string& name) {
    for (const auto& t : source_types())
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace hashsink::sensors
