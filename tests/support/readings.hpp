// What a source's collect() put in an Accumulator, as maps a test compares and looks up.
#pragma once

#include <map>
#include <string>

#include "daemon/core/source.hpp"

namespace hashsink::test {

inline std::map<std::string, double> values(const Accumulator& acc) {
    std::map<std::string, double> out;
    for (const auto& [k, v] : acc.values()) out[k] = v;
    return out;
}

inline std::map<std::string, std::string> rejections(const Accumulator& acc) {
    std::map<std::string, std::string> out;
    for (const auto& [k, v] : acc.rejections()) out[k] = v;
    return out;
}

}  // namespace hashsink::test
