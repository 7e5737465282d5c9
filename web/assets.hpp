// Files from web/assets, embedded in the binary at build time.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace hashsink::web {

struct Asset {
    std::string_view name;
    const char* data;
    std::size_t size;
};

const std::vector<Asset>& assets();

}  // namespace hashsink::web
