// Polls one source on its own thread and keeps its latest readings, so a slow or dead device
// never delays the tick: the loop only copies what is there.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "daemon/core/source.hpp"
#include "daemon/loop/recorder.hpp"
#include "daemon/loop/status.hpp"

namespace hashsink::loop {

struct SourceSettings {
    std::string id;
    std::string type;
    Duration poll_interval{1000};
    Duration max_age{5000};             // a reading older than this is stale
};

class SourcePoller {
public:
    SourcePoller(SourceSettings settings, std::unique_ptr<Source> source, const Clock& clock,
                 Recorder& recorder);
    ~SourcePoller();
    SourcePoller(const SourcePoller&) = delete;
    SourcePoller& operator=(const SourcePoller&) = delete;

    // Called on the poll thread after each poll that stored a reading (the loop's wake-up); must
    // return at once. Set it before start().
    void on_reading(std::function<void()> callback);

    void start();
    void stop();
    // One collect on the caller's thread (tests and tools).
    void poll_once();

    SourceStatus status() const;
    // How long the poll thread waits after the latest collect: the poll interval, or after
    // failures a backoff (see source_poller.cpp).
    Duration next_delay() const;
    // Adds this source's readings to the map (latest wins on a shared signal name).
    void copy_readings(std::map<std::string, Reading, std::less<>>& into) const;
    void copy_schedules(std::map<std::string, std::vector<ScheduleSlot>, std::less<>>& into) const;
    // The wall clock stepped: the readings' times move with it, so a reading keeps its age.
    // Schedules stay: their slots are wall-clock times.
    void move_times(Duration step);

private:
    void run();
    Duration next_delay_locked() const;

    SourceSettings settings_;
    std::unique_ptr<Source> source_;
    const Clock& clock_;
    Recorder& recorder_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    SourceStatus status_;
    std::map<std::string, Reading, std::less<>> readings_;
    std::map<std::string, std::vector<ScheduleSlot>, std::less<>> schedules_;
    std::map<std::string, std::string> rejected_;   // signal -> why its last value was refused
    // The reasons this outage has logged: the first with source.down, then each new one (a
    // client that said "not connected yet" says why next), a few per outage at most.
    std::string reason_logged_;
    int reasons_logged_ = 0;
    std::function<void()> on_reading_;
    std::thread thread_;
};

}  // namespace hashsink::loop
