// Operators' per-miner commands (MQTT control): enabled, a runtime max_power_w, and an override
// (off, min or max until an expiry). Set from any thread; the loop carries them into each
// snapshot, where decide_tick turns them into ceilings and floors the governor still limits.
// Nothing here is saved: a restart starts from the config.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "daemon/core/snapshot.hpp"
#include "daemon/loop/recorder.hpp"

namespace hashsink::loop {

// One command; unset fields leave what is there.
struct MinerCommandChange {
    std::string id;
    std::optional<bool> enabled;
    std::optional<double> max_power_w;  // 0: no cap beyond the config's
    bool change_override = false;       // with override_ nullopt: clear it (back to auto)
    std::optional<ManualOverride> override_;
};

// What one miner's commands are now (for the status and MQTT).
struct MinerCommandState {
    bool enabled = true;
    double max_power_w = 0;  // runtime cap (0: none, the config's applies)
    std::optional<ManualOverride> manual;
};

class MinerCommands {
public:
    // Remembered for the next tick, and journalled then. The caller has checked the miner.
    void set(const MinerCommandChange& change);
    // Loop thread: drops expired overrides, journals what changed since the last tick, writes
    // the commands into snap.miner_commands and a runtime max_power_w into the miners' views.
    void carry_into(SiteSnapshot& snap, Recorder& recorder);
    // After a wall-clock step: expiries keep their time left.
    void move_times(Duration step);
    std::map<std::string, MinerCommandState> current() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, MinerCommandState, std::less<>> state_;  // guarded by mutex_
    std::vector<std::pair<std::string, std::string>> news_;        // id, what; guarded
};

// "max until 2026-06-01T12:00:00Z by mqtt", "auto", for events and the page.
std::string describe(const std::optional<ManualOverride>& o);

}  // namespace hashsink::loop
