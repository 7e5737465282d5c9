// The control loop: one thread owns decisions. Each tick freezes a snapshot of what the sources
// and miners last reported, runs the policy, the allocator and the governor, hands changed
// targets to the miner fleet, journals the tick and publishes the status. The thread ticks when
// a source delivers a reading (at most every min_spacing) and at least once a period.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/policy.hpp"
#include "daemon/loop/decide.hpp"
#include "daemon/loop/energy_totals.hpp"
#include "daemon/loop/governor.hpp"
#include "daemon/loop/loop_settings.hpp"
#include "daemon/loop/miner_commands.hpp"
#include "daemon/loop/miner_fleet.hpp"
#include "daemon/loop/recent_samples.hpp"
#include "daemon/loop/recorder.hpp"
#include "daemon/loop/site_limit.hpp"
#include "daemon/loop/source_poller.hpp"
#include "daemon/loop/status.hpp"
#include "daemon/loop/tick_pacer.hpp"

namespace hashsink::loop {

// A new configuration for a running loop (a config saved from the web page).
struct LoopChanges {
    LoopSettings settings;
    std::unique_ptr<Policy> policy;     // nullptr: keep the current policy
    bool keep_memory = true;            // carry the policy memory over (same policy type)
    // The new sources and miners, in order. An entry with a null device keeps the running one
    // of that id untouched (poller, driver, state, target).
    std::vector<std::pair<SourceSettings, std::unique_ptr<Source>>> sources;
    std::vector<MinerFleet::Entry> miners;
};

class ControlLoop {
public:
    ControlLoop(LoopSettings settings, std::unique_ptr<Policy> policy, const Clock& clock,
                Recorder& recorder);
    ~ControlLoop();
    ControlLoop(const ControlLoop&) = delete;
    ControlLoop& operator=(const ControlLoop&) = delete;

    void add_source(SourceSettings settings, std::unique_ptr<Source> source);
    void add_miner(MinerSettings settings, std::unique_ptr<MinerDriver> driver);

    // Called on the loop thread after every tick (e.g. to feed the systemd watchdog).
    void on_tick(std::function<void(const LoopStatus&)> callback) { on_tick_ = std::move(callback); }
    // Called on the loop thread with each frozen snapshot before the policy decides, to add
    // what no source carries (the external controller's reply). Must return at once.
    void on_snapshot(std::function<void(SiteSnapshot&)> callback) {
        on_snapshot_ = std::move(callback);
    }
    // Called on the loop thread when the wall clock stepped, with the step, for time points kept
    // outside the loop (the external controller's exchange). Set it before start().
    void on_clock_step(std::function<void(Duration)> callback) {
        on_clock_step_ = std::move(callback);
    }

    // Swaps in a new configuration between two ticks, from any thread; returns once applied.
    // Pollers and miners that are kept go on as if nothing happened; the journal is the same.
    void reconfigure(LoopChanges changes);

    // Starts the pollers, the miner pool and the tick thread.
    void start();
    // Stops ticking, then (with park) puts every reachable miner in the site's safe state,
    // waiting at most park_limit: a stopped daemon must not leave miners drawing unwatched.
    void stop(bool park = true, Duration park_limit = Duration{10'000});
    // Exactly one tick on the caller's thread (tests drive it with a manual clock).
    std::shared_ptr<const LoopStatus> tick();

    const StatusBoard& status_board() const { return status_; }
    MinerFleet& fleet() { return fleet_; }
    std::vector<std::unique_ptr<SourcePoller>>& sources() { return sources_; }
    const PolicyMemory& memory() const { return memory_; }

    // A manual override (off, min or max until an expiry), from any thread (web page, MQTT).
    // The next tick carries it into the snapshot, where the `manual` policy layer applies it;
    // setting, clearing and expiry are journalled as events. nullopt clears it.
    void set_override(std::optional<ManualOverride> manual);
    std::optional<ManualOverride> current_override() const;
    TimePoint now() const { return clock_.now(); }
    // An operator's command for one miner (MQTT control), from any thread: journalled and
    // carried into the next tick (MinerCommands). An unknown miner or a cap below its
    // min_power_w is an error.
    Status command_miner(
        const MinerCommandChange& change);  // the loop's clock, for an override's expiry
    // An outside manager's site limit (Modbus server, Sparkplug, a fleet command), by source,
    // from any thread: checked, journalled and applied from the next tick (SiteLimitCommands).
    Status set_site_limit(const std::string& source, const SiteLimitRequest& request);
    // The source's heartbeat; false when it has no limit.
    bool refresh_site_limit(const std::string& source);

private:
    void run();
    // Waits until the pacer says the next tick is due, or stop(); returns when it was due.
    std::chrono::steady_clock::time_point wait_for_tick();
    // The timing of this tick (its work from work_start) added to the last ticks'.
    TickTiming time_tick(std::chrono::steady_clock::time_point work_start);
    // A poller whose readings wake the tick thread.
    std::unique_ptr<SourcePoller> make_poller(SourceSettings settings,
                                              std::unique_ptr<Source> source);
    // The site time this tick covers, for the governor's per-tick ramp: since the previous
    // tick, at most a period.
    Duration tick_span(TimePoint now);
    // Brings site time back to the wall clock after a step and moves every time point the loop
    // keeps (readings, miners, the policy's timers, the override's expiry) with it.
    void follow_wall_clock();
    // The stages of a tick: the snapshot (the manual override carried in), the changed
    // targets handed to the fleet, the decision journalled, the status published.
    SiteSnapshot freeze();
    void act(std::uint64_t tick, const SiteSnapshot& snap,
             const std::vector<GovernedTarget>& governed);
    void record(std::uint64_t tick, const SiteSnapshot& snap, const Decision& d);
    std::shared_ptr<const LoopStatus> publish(std::uint64_t tick, const SiteSnapshot& snap,
                                              const TickDecision& decided, const SiteLimits& limits,
                                              std::chrono::steady_clock::time_point work_start);
    void apply_changes(LoopChanges& changes);
    void apply_pending();

    LoopSettings settings_;
    std::unique_ptr<Policy> policy_;
    const Clock& clock_;
    Recorder& recorder_;
    // Declared before sources_: a poller's wake-up calls into them until it stops.
    std::mutex wake_mutex_;
    std::condition_variable wake_;
    TickPacer pacer_;  // guarded by wake_mutex_
    std::vector<std::unique_ptr<SourcePoller>> sources_;
    MinerFleet fleet_;
    StatusBoard status_;
    std::function<void(const LoopStatus&)> on_tick_;
    std::function<void(SiteSnapshot&)> on_snapshot_;
    std::function<void(Duration)> on_clock_step_;

    mutable std::mutex override_mutex_;
    std::optional<ManualOverride> override_;     // guarded by override_mutex_
    bool override_changed_ = false;              // guarded: journal it on the next tick

    MinerCommands commands_;
    SiteLimitCommands site_limits_;
    EnergyTotals energy_;  // loop thread only
    PolicyMemory memory_;
    double ramp_credit_w_ = 0;          // the governor's unused ramp allowance
    std::uint64_t tick_count_ = 0;
    // Ticks' timing, loop thread only: run() sets how late the coming tick started (a tick a
    // test calls directly has none).
    std::optional<double> tick_late_ms_;
    RecentSamples late_ms_{kTickTimingWindow};
    RecentSamples work_ms_{kTickTimingWindow};
    std::vector<double> timing_scratch_;
    TimePoint last_tick_at_{};  // site time of the previous tick
    bool was_fail_safe_ = false;
    std::mutex changes_mutex_;
    std::condition_variable changes_done_;
    LoopChanges* pending_changes_ = nullptr;    // guarded by changes_mutex_
    bool running_ = false;                      // guarded by changes_mutex_
    std::atomic<bool> stopping_{false};
    bool started_ = false;
    std::thread thread_;
};

}  // namespace hashsink::loop
