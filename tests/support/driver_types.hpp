// Checks on a registered miner driver type: found by name, its declared keys, and a driver made
// from options and the declared defaults.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "adapters/miners/registry.hpp"

namespace hashsink::test {

// The driver type registered as `name`; REQUIREs that there is one.
inline const miners::DriverType& registered(const std::string& name) {
    const auto* type = miners::find_driver_type(name);
    INFO("driver " << name);
    REQUIRE(type != nullptr);
    return *type;
}

// The key `name` as `type` declares it; a default KeySpec (not secret, not required) when it
// declares none.
inline KeySpec key_of(const miners::DriverType& type, const std::string& name) {
    for (const auto& k : type.keys)
        if (k.name == name) return k;
    return {};
}

// A driver of `type` made from `options` and the declared defaults reports the type's name.
inline void check_makes(const miners::DriverType& type, const Options& options) {
    auto driver = type.make("m", with_defaults(type.keys, options));
    REQUIRE(driver);
    CHECK(driver->driver_name() == type.name);
}

}  // namespace hashsink::test
