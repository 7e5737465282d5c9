// Sources: anything that produces signals (an inverter, a meter, a genset, an MQTT topic).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/result.hpp"
#include "daemon/core/snapshot.hpp"
#include "daemon/core/time.hpp"

namespace hashsink {

// What one collect() call read: signal name -> value. The poller stamps time, source and age.
class Accumulator {
public:
    void put(std::string_view signal, double value) { values_.emplace_back(std::string(signal), value); }
    // A forward-looking series (price slots); replaces the previous one of that name.
    void put_schedule(std::string_view signal, std::vector<ScheduleSlot> slots) {
        schedules_.emplace_back(std::string(signal), std::move(slots));
    }
    // A value the source read but will not pass on (sentinel, NaN, out of range, stale, bad
    // payload): the poller logs the reason and records an event when it changes.
    void reject(std::string_view signal, std::string reason) {
        rejections_.emplace_back(std::string(signal), std::move(reason));
    }
    const std::vector<std::pair<std::string, double>>& values() const { return values_; }
    const std::vector<std::pair<std::string, std::string>>& rejections() const {
        return rejections_;
    }
    const std::vector<std::pair<std::string, std::vector<ScheduleSlot>>>& schedules() const {
        return schedules_;
    }
    void clear() {
        values_.clear();
        schedules_.clear();
        rejections_.clear();
    }

private:
    std::vector<std::pair<std::string, double>> values_;
    std::vector<std::pair<std::string, std::vector<ScheduleSlot>>> schedules_;
    std::vector<std::pair<std::string, std::string>> rejections_;
};

class Source {
public:
    virtual ~Source() = default;
    virtual std::string_view type_name() const = 0;
    // Reads the device once. May block up to the source's own timeout; runs on its poll thread,
    // never on the loop thread. Must not throw.
    virtual Status collect(TimePoint now, Accumulator& out) noexcept = 0;
    // True when the source's client keeps its connection up on its own (MQTT reconnects on its
    // own thread) and collect() only reads what has arrived: polling it costs the device
    // nothing, so the poller keeps its period instead of backing off, and the source reads as
    // healthy on the first poll after the link is back.
    virtual bool reconnects_itself() const noexcept { return false; }
};

}  // namespace hashsink
