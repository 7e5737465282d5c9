// Network discovery: every address of an IPv4 range probed for miners, with bounded concurrency
// and a deadline per probe. Used by `hashsink scan` and the installer's page.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "adapters/miners/detect.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::miners {

inline constexpr std::uint32_t kMaxScanHosts = 65536;   // a /16

struct ScanOptions {
    std::string cidr;               // "192.168.1.0/24"; a bare address is a /32
    Duration timeout{1000};         // per probe
    int concurrency = 32;           // hosts probed at once, 1..256
    int http_port = 80;
    int api_port = 4028;
};

struct ScanHit {
    DetectTarget target;
    Detection detection;            // detection.driver empty: answered, but not a known miner
};

// Hits sorted by address. An invalid range or option is an `invalid` error saying why.
Result<std::vector<ScanHit>> scan_range(const ScanOptions& options);

}  // namespace hashsink::miners
