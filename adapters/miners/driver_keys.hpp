// The keys miner drivers have in common (address, port, deadlines, declared powers and
// hashrate, secrets), each declared here once with its unit and range; a driver binds them to
// its config with its own doc and default. Ranges are the drivers' shared bounds: a deadline
// from 0.1 s, a draw up to 20 kW, a standby draw up to 500 W, a hashrate up to 10 PH/s.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/core/settings.hpp"
#include "daemon/core/time.hpp"

namespace hashsink::miners::keys {

inline constexpr const char* kMinerAddress = "Miner address (IP or name)";
inline constexpr const char* kApiCommandDeadline = "Deadline for each API command";
inline constexpr const char* kHttpRequestDeadline = "Deadline for each HTTP request";
inline constexpr const char* kReadBackDeadline =
    "How long a write may take to show when read back before it counts as not applied";

// url: the base URL of the device's web API (required).
inline KeySpec url(std::string doc) {
    return {.name = "url", .doc = std::move(doc), .required = true};
}

// host: the device's address (required).
inline KeySpec host(std::string doc = kMinerAddress) {
    return {.name = "host", .doc = std::move(doc), .required = true};
}

// A TCP port, 1..65535.
inline KeySpec port(std::string name, std::int64_t fallback, std::string doc = "API port") {
    return {.name = std::move(name),
            .doc = std::move(doc),
            .fallback = OptionValue{fallback},
            .min = 1,
            .max = 65535};
}

// timeout: the deadline of each request, from 0.1 s up to max_s.
inline KeySpec timeout(std::string doc, Duration fallback, double max_s = 30) {
    return {.name = "timeout",
            .doc = std::move(doc),
            .unit = "s",
            .fallback = OptionValue{fallback},
            .min = 0.1,
            .max = max_s};
}

// verify_timeout: how long a write may take to show when read back.
inline KeySpec verify_timeout(std::string doc, Duration fallback, double min_s, double max_s) {
    return {.name = "verify_timeout",
            .doc = std::move(doc),
            .unit = "s",
            .fallback = OptionValue{fallback},
            .min = min_s,
            .max = max_s};
}

// A file holding a secret (first line); never echoed back.
inline KeySpec secret_file(std::string name, std::string doc) {
    return {.name = std::move(name), .doc = std::move(doc), .secret = true};
}

// A string with a default (a login user, an account).
inline KeySpec text(std::string name, std::string doc, std::string fallback) {
    return {.name = std::move(name),
            .doc = std::move(doc),
            .fallback = OptionValue{std::move(fallback)}};
}

// power_w: the draw the operator must declare, 1 W up to max_w.
inline KeySpec nameplate_power(std::string doc, double max_w = 20000) {
    return {.name = "power_w",
            .doc = std::move(doc),
            .unit = "W",
            .required = true,
            .min = 1,
            .max = max_w};
}

// A draw that may be left at 0 (not offered, or taken from the miner), up to 20 kW.
inline KeySpec optional_power(std::string name, std::string doc) {
    return {.name = std::move(name),
            .doc = std::move(doc),
            .unit = "W",
            .fallback = OptionValue{0.0},
            .min = 0,
            .max = 20000};
}

// The draw while off or asleep (control board and fans), up to 500 W.
inline KeySpec standby_power(std::string name, std::string doc, double fallback_w) {
    return {.name = std::move(name),
            .doc = std::move(doc),
            .unit = "W",
            .fallback = OptionValue{fallback_w},
            .min = 0,
            .max = 500};
}

// power_step_w: the granularity of power targets, 1..1000 W, 50 W by default.
inline KeySpec power_step(std::string doc) {
    return {.name = "power_step_w",
            .doc = std::move(doc),
            .unit = "W",
            .fallback = OptionValue{50.0},
            .min = 1,
            .max = 1000};
}

// hashrate_ths: a declared hashrate, 0 (take the miner's) up to max_ths.
inline KeySpec hashrate(std::string doc, double max_ths = 10000) {
    return {.name = "hashrate_ths",
            .doc = std::move(doc),
            .unit = "TH/s",
            .fallback = OptionValue{0.0},
            .min = 0,
            .max = max_ths};
}

// allow_overclock: off by default.
inline KeySpec allow_overclock(std::string doc) {
    return {.name = "allow_overclock", .doc = std::move(doc), .fallback = OptionValue{false}};
}

// host, port (4028) and timeout (3 s) of a cgminer-style API on TCP, bound to the members of
// the same names.
template <class Config>
Settings<Config> cgminer_api(std::string host_doc = kMinerAddress) {
    return Settings<Config>{}
        .bind(&Config::host, host(std::move(host_doc)))
        .bind(&Config::port, port("port", 4028))
        .bind(&Config::timeout, timeout(kApiCommandDeadline, Duration{3000}));
}

}  // namespace hashsink::miners::keys
