#include "adapters/miners/registry.hpp"

namespace hashsink::miners {

const std::vector<DriverType>& driver_types() {
    static const std::vector<DriverType> all = {
        // One line per firmware family.
    };
    return all;
}

const DriverType* find_driver_type(const std::string& name) {
    for (const auto& t : driver_types())
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace hashsink::miners
