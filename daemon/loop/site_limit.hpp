// Outside managers' site power limits: an energy manager over Modbus, a SCADA over Sparkplug, a
// fleet's demand-response command. Each source sets its own cap on the fleet's planned draw; the
// lowest applies, on top of the config's max_draw_w, through the governor like any other limit.
// A source may promise a heartbeat: when it stops refreshing, its limit falls to its failsafe
// (as EEBus LPC does), so a dead manager cannot leave the site unlimited or stuck off.
// Set from any thread; the loop reads them each tick. Nothing is saved: a restart starts
// without limits until the manager writes again.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"
#include "daemon/loop/recorder.hpp"

namespace hashsink::loop {

struct SiteLimitRequest {
    std::optional<double> limit_w;   // the most the fleet may plan; nullopt: clear; 0: all off
    Duration heartbeat{0};           // 0: none; else refresh within this or failsafe_w applies
    double failsafe_w = 0;           // the limit while the heartbeat has lapsed
    std::optional<TimePoint> until;  // the limit is gone from this instant
    std::string note;                // for the journal: who wrote it, where
};

// One source's limit as it stands.
struct SiteLimitState {
    double limit_w = 0;
    Duration heartbeat{0};
    double failsafe_w = 0;
    std::optional<TimePoint> until;
    TimePoint refreshed{};  // the last write or heartbeat
    bool lapsed = false;    // the heartbeat lapsed: failsafe_w applies
    std::string note;
    double applied_w() const { return lapsed ? failsafe_w : limit_w; }
};

// A request's fields are in range: limits finite and not negative, a heartbeat not negative.
Status check(const SiteLimitRequest& request);

class SiteLimitCommands {
public:
    // A checked request, at the loop's time `now`; journalled on the next tick.
    void set(const std::string& source, const SiteLimitRequest& request, TimePoint now);
    // The source's heartbeat; a lapsed limit is back. False when the source has no limit.
    bool refresh(const std::string& source, TimePoint now);
    // Loop thread: expires and lapses what is due, journals what changed since the last tick,
    // returns the lowest limit in force (nullopt: none).
    std::optional<double> carry(TimePoint now, Recorder& recorder);
    // After a wall-clock step: expiries and heartbeats keep their time left.
    void move_times(Duration step);
    std::map<std::string, SiteLimitState> current() const;

private:
    mutable std::mutex mutex_;
    std::map<std::string, SiteLimitState> state_;                   // guarded by mutex_
    std::vector<std::tuple<std::string, std::string, bool>> news_;  // source, what, warning
};

}  // namespace hashsink::loop
