// What the loop shows the world: one immutable status per tick, published to readers (web,
// MQTT later) through a latest-value cell.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/policy.hpp"
#include "daemon/core/snapshot.hpp"
#include "daemon/loop/energy_totals.hpp"
#include "daemon/loop/miner_commands.hpp"
#include "daemon/loop/site_limit.hpp"

namespace hashsink::loop {

struct SourceStatus {
    std::string id;
    std::string type;
    bool ok = false;                    // last collect succeeded
    std::string last_error;
    TimePoint last_ok{};
    int consecutive_failures = 0;
    std::vector<std::pair<std::string, Reading>> readings;   // latest per signal
    // signal -> why its latest value was refused (stale message, out of range, unreadable);
    // shown beside the last good reading, which ages until a value is taken again.
    std::map<std::string, std::string> rejected;
};

struct MinerStatus {
    std::string id;
    std::string driver;
    bool online = false;
    std::optional<MinerState> state;
    TimePoint state_at{};
    MinerCaps caps;
    MinerTarget target;                 // what the loop wants
    bool target_applied = false;        // the device confirmed it
    std::string reason;                 // why this target
    std::string last_error;
    int consecutive_failures = 0;
    double max_power_w = 0;  // the config's per-miner limits (0: none)
    double min_power_w = 0;
    MinerCommandState command;  // an operator's commands (MQTT control)
};

// The loop's timing over its last ticks (up to kTickTimingWindow): how late a tick started
// after the pacer made it due (the wake-up's scheduling delay, or the tick before overrunning
// its period), and how long a tick's own work took. Quantiles in ms; ticks = how many.
struct TickTiming {
    std::size_t ticks = 0;
    double late_p50_ms = 0, late_p99_ms = 0, late_max_ms = 0;
    double work_p50_ms = 0, work_p99_ms = 0, work_max_ms = 0;
};
inline constexpr std::size_t kTickTimingWindow = 600;

struct LoopStatus {
    std::uint64_t tick = 0;
    TimePoint at{};
    double tick_duration_ms = 0;        // how long the tick's own work took
    TickTiming timing;
    Decision decision;
    double planned_w = 0;               // sum of running targets
    double measured_w = 0;              // sum of miners' measured draw
    std::vector<SourceStatus> sources;
    std::vector<MinerStatus> miners;
    EnergyTotals energy;                   // since the daemon started
    std::optional<ManualOverride> manual;  // the site's override in force
    std::optional<double> site_limit_w;    // the fleet's draw limit in force (config or command)
    std::map<std::string, SiteLimitState> site_limits;  // outside managers' limits by source
};

class StatusBoard {
public:
    void publish(std::shared_ptr<const LoopStatus> s) {
        std::lock_guard lock(mutex_);
        latest_ = std::move(s);
    }
    std::shared_ptr<const LoopStatus> latest() const {
        std::lock_guard lock(mutex_);
        return latest_;
    }

private:
    mutable std::mutex mutex_;
    std::shared_ptr<const LoopStatus> latest_;
};

}  // namespace hashsink::loop
