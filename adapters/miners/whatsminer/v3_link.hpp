// Whatsminer API v3 framing on TCP 4433: each message, both ways, is a 4-byte little-endian
// length followed by that many bytes of JSON. One request per connection here. The client for
// the driver; the framing is shared with the emulator's server (emulators/miners/whatsminer).
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"

namespace hashsink::miners::whatsminer {

inline constexpr int kV3Port = 4433;
inline constexpr std::size_t kV3MaxFrameBytes = 1024 * 1024;

// Sends one framed request and returns the parsed reply object. Errors read "<cmd>: <cause>":
// connect refused or dropped -> unreachable, no whole reply in time -> timeout, a frame over
// the cap or not a JSON object -> protocol.
Result<nlohmann::json> v3_exchange(const std::string& host, int port, Duration timeout,
                                   const nlohmann::json& request) noexcept;

// The frame: the body behind its 4-byte little-endian length, and that length read back.
std::string v3_frame(const std::string& body);
std::uint32_t v3_frame_length(const char* head);
// Reads exactly n bytes: 1 done, 0 deadline passed, -1 closed or failed.
int v3_read_exact(int fd, char* out, std::size_t n, std::chrono::steady_clock::time_point deadline);
bool v3_write_all(int fd, const std::string& data, std::chrono::steady_clock::time_point deadline);

}  // namespace hashsink::miners::whatsminer
