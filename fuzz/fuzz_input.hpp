// What the fuzzers share: the input as text, split into parts where a target needs several.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace hashsink::fuzz {

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The parts between lines "%%" (a target reads as many as it needs; missing parts are empty).
inline std::vector<std::string> parts(std::string_view in, std::size_t count) {
    std::vector<std::string> out;
    while (out.size() + 1 < count) {
        auto at = in.find("\n%%\n");
        if (at == std::string_view::npos) break;
        out.emplace_back(in.substr(0, at));
        in.remove_prefix(at + 4);
    }
    out.emplace_back(in);
    out.resize(count);
    return out;
}

// The bytes as 16-bit registers, big-endian as Modbus sends them.
inline std::vector<std::uint16_t> registers(std::string_view in) {
    std::vector<std::uint16_t> out;
    for (std::size_t i = 0; i + 1 < in.size(); i += 2)
        out.push_back(static_cast<std::uint16_t>(static_cast<unsigned char>(in[i]) << 8 |
                                                 static_cast<unsigned char>(in[i + 1])));
    return out;
}

}  // namespace hashsink::fuzz
