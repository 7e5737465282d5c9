// Drives every miner concurrently on a bounded pool of threads. The loop thread only posts work
// and reads state; each miner has at most one operation in flight, so commands to one miner stay
// ordered, and a dead or slow miner costs the others nothing.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/miner.hpp"
#include "daemon/core/snapshot.hpp"
#include "daemon/loop/recorder.hpp"
#include "daemon/loop/status.hpp"

namespace hashsink::loop {

struct MinerSettings {
    std::string id;
    std::string driver;
    Duration poll_interval{5000};
    double max_power_w = 0;     // installer's cap, 0 = none
    double min_power_w = 0;
};

class MinerFleet {
public:
    MinerFleet(const Clock& clock, Recorder& recorder, std::size_t threads);
    ~MinerFleet();
    MinerFleet(const MinerFleet&) = delete;
    MinerFleet& operator=(const MinerFleet&) = delete;

    void add(MinerSettings settings, std::unique_ptr<MinerDriver> driver);
    // Loop thread (or before start): the new set of miners, in order. An entry without a driver
    // keeps the current miner of that id with its driver, capabilities, state and target.
    // Waits for operations in flight; miners left out are paused (best effort) and dropped.
    using Entry = std::pair<MinerSettings, std::unique_ptr<MinerDriver>>;
    void replace(std::vector<Entry> miners);
    void start();
    void stop();

    // Loop thread: posts polls that are due and applies whose target is not confirmed yet.
    // A miner that came (back) online since the last views() is not written to until a
    // decision has seen its state; hold_returning = false sends regardless (stopping).
    void schedule(TimePoint now, bool hold_returning = true);
    // Loop thread: the miners as the policy sees them. Releases the hold on miners that came
    // back: the decision made from these views has seen them.
    std::vector<MinerView> views(TimePoint now);
    // Loop thread: a new target for miner i (index as in views()).
    void set_target(std::size_t i, const MinerTarget& target, TimePoint now, std::uint64_t tick,
                    const std::string& reason);
    void set_reason(std::size_t i, const std::string& reason);
    // Loop thread: the wall clock stepped; every kept time point moves with it, so a miner's
    // dwell, its next poll and its apply retry keep the time they had left.
    void move_times(Duration step);
    std::vector<MinerStatus> status() const;
    // Any thread: one miner's settings, by id (nullopt: no such miner).
    std::optional<MinerSettings> settings_of(const std::string& id) const;
    std::size_t size() const { return slots_.size(); }
    // Blocks until no operation is queued or running (tests).
    void wait_idle() const;
    // As wait_idle, at most `limit`; false when work was still running.
    bool wait_idle_for(Duration limit) const;

private:
    struct Slot {
        MinerSettings settings;
        std::unique_ptr<MinerDriver> driver;
        // Guarded by mutex_.
        bool probed = false;
        MinerCaps caps;
        std::optional<MinerState> state;
        TimePoint state_at{};
        bool online = false;
        MinerTarget target;             // what the loop wants
        TimePoint target_since{};
        std::uint64_t target_tick = 0;
        bool applied = false;           // the device confirmed `target` (sent once at start)
        // Came (back) online after the last views(): its target was decided without seeing
        // what it does now, so it is not sent until the next decision (no pause-then-restart).
        bool held = false;
        bool busy = false;
        TimePoint next_poll{};
        TimePoint retry_at{};           // next apply attempt after a failure
        int failures = 0;
        // The last apply failed: a poll that succeeds meanwhile leaves its error and backoff.
        bool apply_failing = false;
        std::string last_error;
        // What it may draw while its target is not confirmed (MinerView::unconfirmed_draw_w):
        // the last power it measured (kept while it is offline), and the power of the last
        // target it confirmed.
        double measured_w = 0;
        double confirmed_w = 0;
        std::string reason;
    };
    enum class Job { poll, apply };

    void worker();
    void run_poll(Slot& slot);
    void run_apply(Slot& slot, const MinerTarget& target, std::uint64_t tick);
    void post(std::size_t i, Job job);   // mutex_ held
    Duration backoff(int failures) const;

    const Clock& clock_;
    Recorder& recorder_;
    std::size_t thread_count_;
    std::vector<std::unique_ptr<Slot>> slots_;

    mutable std::mutex mutex_;
    mutable std::condition_variable work_ready_;
    mutable std::condition_variable idle_;
    std::deque<std::pair<std::size_t, Job>> queue_;
    std::size_t running_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace hashsink::loop
