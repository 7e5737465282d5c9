// The process image one tick decides on: every signal with its timestamp and age limit, and
// every miner's capabilities, last state and current target.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/miner.hpp"
#include "daemon/core/time.hpp"

namespace hashsink {

// Well-known signal names. Units are in the names; grid power is + import, - export.
namespace signal {
inline constexpr std::string_view kPvAcPowerW = "pv.ac_power_w";
inline constexpr std::string_view kPvDcPowerW = "pv.dc_power_w";
inline constexpr std::string_view kPvRatingW = "pv.rating_w";
inline constexpr std::string_view kPvLimitW = "pv.limit_w";          // active output limit
inline constexpr std::string_view kPvLimitActive = "pv.limit_active";  // 1 when a limit is on
inline constexpr std::string_view kPvState = "pv.state";             // SunSpec St enum
inline constexpr std::string_view kGridPowerW = "grid.power_w";
// Per-MPPT DC power: "pv.mppt.<n>.dc_power_w", n from 1.
std::string mppt_dc_power_w(int n);
}  // namespace signal

// SunSpec operating states (model 10x/11x point St).
enum class InverterState {
    off = 1, sleeping = 2, starting = 3, mppt = 4, throttled = 5, shutting_down = 6,
    fault = 7, standby = 8
};
const char* to_string(InverterState s) noexcept;

struct Reading {
    double value = 0;
    TimePoint at{};
    Duration max_age{5000};
    std::string source;     // id of the source that produced it

    bool fresh_at(TimePoint now) const { return now - at <= max_age && now >= at - max_age; }
};

struct MinerView {
    std::string id;
    MinerCaps caps;
    std::optional<MinerState> state;        // last poll; nullopt before the first
    TimePoint state_at{};
    bool state_fresh = false;               // polled recently and online
    MinerTarget target;                     // what it was last told
    TimePoint target_since{};               // when that target was set
    double max_power_w = 0;                 // installer's per-miner limit (0 = none)
    double min_power_w = 0;
};

struct SiteSnapshot {
    TimePoint now{};
    std::map<std::string, Reading, std::less<>> readings;
    std::vector<MinerView> miners;

    const Reading* find(std::string_view name) const;
    // The value when present and fresh, otherwise nullopt.
    std::optional<double> fresh(std::string_view name) const;
    // Measured draw of the online miners (their target's power where no measurement).
    double miners_draw_w() const;
};

}  // namespace hashsink
