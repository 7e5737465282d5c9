// Firmware detection like pyasic's: the web page (and AxeOS's /api/system/info) and the 4028
// `version` reply are probed concurrently; the answers name the driver to use.
#pragma once

#include <string>

#include "daemon/core/time.hpp"

namespace hashsink::miners {

struct DetectTarget {
    std::string host;
    int http_port = 80;
    int api_port = 4028;        // cgminer-style API
    Duration timeout{2000};     // per probe; both run at once
};

struct Detection {
    std::string driver;         // registered driver name; empty when nothing usable answered
    std::string family;         // what was recognised, e.g. "LuxOS", "Braiins OS", "cgminer"
    std::string description;    // e.g. "LUXminer 2025.4.8...", "Antminer S19k Pro"
    std::string why;            // when driver is empty: what each probe saw
    bool http_answered = false;
    bool api_answered = false;
};

// Never throws; bounded by about timeout (the two probes run in parallel).
Detection detect_miner(const DetectTarget& target);

// The [[miners]] TOML snippet to paste for a detection (id derived from the host).
std::string config_snippet(const Detection& d, const DetectTarget& target);

}  // namespace hashsink::miners
