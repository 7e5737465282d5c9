#include "daemon/loop/source_poller.hpp"

#include <algorithm>
#include <cmath>

#include "daemon/core/log.hpp"

namespace hashsink::loop {

namespace {
// A source whose error text changes on every read must not flood the log.
constexpr int kReasonsPerOutage = 3;
}  // namespace

SourcePoller::SourcePoller(SourceSettings settings, std::unique_ptr<Source> source,
                           const Clock& clock, Recorder& recorder)
    : settings_(std::move(settings)), source_(std::move(source)), clock_(clock), recorder_(recorder) {
    status_.id = settings_.id;
    status_.type = settings_.type;
}

SourcePoller::~SourcePoller() { stop(); }

void SourcePoller::on_reading(std::function<void()> callback) {
    std::lock_guard lock(mutex_);
    on_reading_ = std::move(callback);
}

void SourcePoller::start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    thread_ = std::thread([this] { run(); });
}

void SourcePoller::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

Duration SourcePoller::next_delay_locked() const {
    // A source whose client reconnects by itself is only read from memory: polling it at its
    // period costs nothing, and a backoff would keep it "down" long after the broker is back.
    if (status_.ok || source_->reconnects_itself()) return settings_.poll_interval;
    // Poll interval doubling with each failure, at most 30 s: a dead device is not hammered.
    int n = std::min(status_.consecutive_failures, 10);
    auto d = settings_.poll_interval * (1LL << std::max(0, n - 1));
    return std::min<Duration>(d, Duration{30'000});
}

Duration SourcePoller::next_delay() const {
    std::lock_guard lock(mutex_);
    return next_delay_locked();
}

void SourcePoller::poll_once() {
    Accumulator acc;
    TimePoint started = clock_.now();
    Status st = source_->collect(started, acc);
    TimePoint now = clock_.now();

    std::vector<ReadingRecord> rows;
    bool went_down = false, came_back = false, new_reason = false;
    std::string error;
    std::vector<std::string> newly_rejected, recovered;
    std::function<void()> notify;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [name, value] : acc.values()) {
            if (!std::isfinite(value)) continue;   // never pass a NaN on as a reading
            readings_[name] = Reading{value, now, settings_.max_age, settings_.id};
            rows.push_back({name, value, settings_.id});
            if (rejected_.erase(name) != 0) recovered.push_back(name);
        }
        // A refused value is logged when the signal goes bad, not on every poll.
        for (const auto& [name, reason] : acc.rejections()) {
            auto [it, added] = rejected_.insert_or_assign(name, reason);
            if (added) newly_rejected.push_back(name + ": " + reason);
        }
        for (const auto& [name, slots] : acc.schedules()) schedules_[name] = slots;
        if (!rows.empty()) notify = on_reading_;
        if (st.ok()) {
            came_back = status_.consecutive_failures > 0 || status_.last_ok == TimePoint{};
            status_.ok = true;
            status_.last_ok = now;
            status_.consecutive_failures = 0;
            status_.last_error.clear();
            reasons_logged_ = 0;
        } else {
            went_down = status_.consecutive_failures == 0;
            new_reason =
                !went_down && st.message != reason_logged_ && reasons_logged_ < kReasonsPerOutage;
            if (went_down || new_reason) {
                reason_logged_ = st.message;
                ++reasons_logged_;
            }
            status_.ok = false;
            ++status_.consecutive_failures;
            status_.last_error = st.message;
            error = st.message;
        }
    }
    if (notify) notify();
    if (!rows.empty()) recorder_.readings(now, rows);
    for (const auto& what : newly_rejected) {
        log::warn("source", settings_.id + ": rejected " + what);
        recorder_.event(now, Severity::warning, "source.value_rejected", settings_.id, what);
    }
    for (const auto& name : recovered) {
        log::info("source", settings_.id + ": " + name + ": reading again");
        recorder_.event(now, Severity::info, "source.value_ok", settings_.id, name);
    }
    if (went_down) {
        log::warn("source", error);
        recorder_.event(now, Severity::warning, "source.down", settings_.id, error);
    } else if (new_reason) {
        log::warn("source", error);
        recorder_.event(now, Severity::warning, "source.down_reason", settings_.id, error);
    } else if (came_back && st.ok()) {
        log::info("source", settings_.id + ": reading");
        recorder_.event(now, Severity::info, "source.up", settings_.id, "reading");
    }
}

void SourcePoller::run() {
    while (true) {
        auto next = std::chrono::steady_clock::now();
        poll_once();
        std::unique_lock lock(mutex_);
        next += next_delay_locked();
        if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
}

SourceStatus SourcePoller::status() const {
    std::lock_guard lock(mutex_);
    SourceStatus s = status_;
    for (const auto& [name, r] : readings_) s.readings.emplace_back(name, r);
    s.rejected = rejected_;
    return s;
}

void SourcePoller::copy_schedules(
    std::map<std::string, std::vector<ScheduleSlot>, std::less<>>& into) const {
    std::lock_guard lock(mutex_);
    for (const auto& [name, slots] : schedules_) into[name] = slots;
}

void SourcePoller::move_times(Duration step) {
    std::lock_guard lock(mutex_);
    move_by(status_.last_ok, step);
    for (auto& [name, r] : readings_) move_by(r.at, step);
}

void SourcePoller::copy_readings(std::map<std::string, Reading, std::less<>>& into) const {
    std::lock_guard lock(mutex_);
    for (const auto& [name, r] : readings_) into[name] = r;
}

}  // namespace hashsink::loop
