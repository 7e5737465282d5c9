#include "daemon/loop/miner_fleet.hpp"

#include <algorithm>

#include "daemon/core/log.hpp"

namespace hashsink::loop {

MinerFleet::MinerFleet(const Clock& clock, Recorder& recorder, std::size_t threads)
    : clock_(clock), recorder_(recorder), thread_count_(std::max<std::size_t>(1, threads)) {}

MinerFleet::~MinerFleet() { stop(); }

void MinerFleet::add(MinerSettings settings, std::unique_ptr<MinerDriver> driver) {
    auto slot = std::make_unique<Slot>();
    slot->settings = std::move(settings);
    slot->driver = std::move(driver);
    slots_.push_back(std::move(slot));
}

void MinerFleet::replace(std::vector<Entry> miners) {
    std::vector<std::unique_ptr<Slot>> removed;
    {
        std::unique_lock lock(mutex_);
        // Queued jobs name slots by index: drop them, and let what runs finish first.
        for (const auto& [i, job] : queue_) slots_[i]->busy = false;
        queue_.clear();
        idle_.wait(lock, [this] { return running_ == 0; });
        std::vector<std::unique_ptr<Slot>> next;
        for (auto& [settings, driver] : miners) {
            std::unique_ptr<Slot> slot;
            if (!driver) {
                for (auto& old : slots_) {
                    if (old && old->settings.id == settings.id) {
                        slot = std::move(old);
                        break;
                    }
                }
                if (!slot) continue;   // nothing to keep and nothing to build
                slot->settings = std::move(settings);
            } else {
                slot = std::make_unique<Slot>();
                slot->settings = std::move(settings);
                slot->driver = std::move(driver);
            }
            next.push_back(std::move(slot));
        }
        for (auto& old : slots_)
            if (old) removed.push_back(std::move(old));
        slots_ = std::move(next);
        if (!threads_.empty() && !stopping_) {
            std::size_t want = std::min(thread_count_, std::max<std::size_t>(1, slots_.size()));
            while (threads_.size() < want) threads_.emplace_back([this] { worker(); });
        }
    }
    // A miner taken out of the config must not keep drawing what it was last told.
    for (auto& s : removed) {
        if (!s->online || !s->target.run) continue;
        Status st = s->driver->apply(MinerTarget{});
        if (!st.ok())
            log::warn("miner", s->settings.id + ": removed from the config; pause: " + st.message);
        else
            log::info("miner", s->settings.id + ": removed from the config; paused");
    }
}

void MinerFleet::start() {
    std::lock_guard lock(mutex_);
    if (!threads_.empty()) return;
    stopping_ = false;
    std::size_t n = std::min(thread_count_, std::max<std::size_t>(1, slots_.size()));
    for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { worker(); });
}

void MinerFleet::stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        queue_.clear();
    }
    work_ready_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    threads_.clear();
}

Duration MinerFleet::backoff(int failures) const {
    int n = std::clamp(failures, 1, 6);
    return std::min<Duration>(Duration{1000} * (1LL << (n - 1)), Duration{60'000});
}

void MinerFleet::post(std::size_t i, Job job) {
    slots_[i]->busy = true;
    queue_.emplace_back(i, job);
    work_ready_.notify_one();
}

void MinerFleet::schedule(TimePoint now, bool hold_returning) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < slots_.size(); ++i) {
        Slot& s = *slots_[i];
        if (s.busy) continue;
        // A pending write goes first: what the loop wants matters more than fresh telemetry.
        if (!s.applied && s.probed && s.online && now >= s.retry_at &&
            !(s.held && hold_returning)) {
            post(i, Job::apply);
        } else if (now >= s.next_poll) {
            post(i, Job::poll);
        }
    }
}

void MinerFleet::worker() {
    while (true) {
        std::size_t i;
        Job job;
        MinerTarget target;
        std::uint64_t tick = 0;
        {
            std::unique_lock lock(mutex_);
            work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            std::tie(i, job) = queue_.front();
            queue_.pop_front();
            ++running_;
            target = slots_[i]->target;
            tick = slots_[i]->target_tick;
        }
        Slot& slot = *slots_[i];
        if (job == Job::poll) run_poll(slot);
        else run_apply(slot, target, tick);
        {
            std::lock_guard lock(mutex_);
            slot.busy = false;
            --running_;
            if (queue_.empty() && running_ == 0) idle_.notify_all();
        }
    }
}

namespace {

// Offline shows as offline, never as its last values: keep who it is (model, firmware), drop
// what it last measured.
void show_offline(MinerState& s, const std::string& cause) {
    s.online = false;
    s.state = MinerRunState::offline;
    s.hashrate_ths.reset();
    s.power_w.reset();
    s.frequency_mhz.reset();
    s.core_voltage_mv.reset();
    s.chip_temp_c.reset();
    s.vr_temp_c.reset();
    s.fan_rpm.reset();
    s.detail = cause;
}

}  // namespace

void MinerFleet::run_poll(Slot& slot) {
    const std::string& id = slot.settings.id;
    bool need_probe;
    {
        std::lock_guard lock(mutex_);
        need_probe = !slot.probed;
    }
    std::optional<MinerCaps> caps;
    Status failure;
    if (need_probe) {
        auto probed = slot.driver->probe();
        if (probed) caps = *probed;
        else failure = probed.error();
    }
    std::optional<MinerState> state;
    if (failure.ok()) {
        auto read = slot.driver->read_state();
        if (read) state = *read;
        else failure = read.error();
    }
    TimePoint now = clock_.now();

    bool went_offline = false, came_online = false;
    {
        std::lock_guard lock(mutex_);
        if (caps) {
            slot.caps = *caps;
            slot.probed = true;
        }
        const bool was_online = slot.online;
        if (state) {
            // The slot keeps a miner's caps once (slot.caps, from the probe, which a driver's
            // state repeats): a second copy in the state would be copied into every tick's
            // views and status again, the bulk of a tick's work at 10,000 miners.
            slot.state = state;
            slot.state->caps = MinerCaps{};
            slot.state_at = now;
            slot.online = state->online;
            if (state->power_w) slot.measured_w = *state->power_w;
            // A read that works says nothing of a write that did not: that error stays shown
            // and its retries keep backing off.
            if (!slot.apply_failing) {
                slot.failures = 0;
                slot.last_error.clear();
            }
            slot.next_poll = now + slot.settings.poll_interval;
        } else {
            slot.online = false;
            if (slot.state) show_offline(*slot.state, failure.message);
            ++slot.failures;
            slot.apply_failing = false;  // the error shown now is the read's
            slot.last_error = failure.message;
            slot.next_poll = now + std::max(slot.settings.poll_interval, backoff(slot.failures));
            // A miner that comes back may have rebooted: read its capabilities again and
            // re-send what it should be doing.
            slot.probed = false;
            slot.applied = false;
        }
        went_offline = was_online && !slot.online;
        came_online = !was_online && slot.online;
        if (came_online) slot.held = true;
    }
    if (state) recorder_.miner_state(now, slot.settings.id, *state);
    if (went_offline || (!state && slot.failures == 1)) {
        log::warn("miner", id + ": offline: " + failure.message);
        recorder_.event(now, Severity::warning, "miner.offline", id, failure.message);
    }
    if (came_online) {
        log::info("miner", id + ": online");
        recorder_.event(now, Severity::info, "miner.online", id, "online");
    }
}

void MinerFleet::run_apply(Slot& slot, const MinerTarget& target, std::uint64_t tick) {
    Status st = slot.driver->apply(target);
    TimePoint now = clock_.now();
    recorder_.apply_result(now, tick, slot.settings.id, st);
    int failures;
    {
        std::lock_guard lock(mutex_);
        if (st.ok()) {
            // Only confirm if the loop has not moved on meanwhile.
            if (slot.target == target) slot.applied = true;
            slot.confirmed_w = target.run ? target.power_w : 0;
            slot.apply_failing = false;
            slot.failures = 0;
            slot.last_error.clear();
            slot.next_poll = std::min(slot.next_poll, now + Duration{1000});  // show it soon
        } else {
            ++slot.failures;
            slot.apply_failing = true;
            slot.last_error = st.message;
            slot.retry_at = now + backoff(slot.failures);
        }
        failures = slot.failures;
    }
    if (!st.ok()) {
        log::warn("miner", slot.settings.id + ": apply: " + st.message);
        if (failures == 1 || failures % 10 == 0)
            recorder_.event(now, Severity::warning, "miner.apply_failed", slot.settings.id, st.message);
    }
}

std::vector<MinerView> MinerFleet::views(TimePoint now) {
    std::lock_guard lock(mutex_);
    std::vector<MinerView> out;
    out.reserve(slots_.size());
    for (const auto& sp : slots_) {
        Slot& s = *sp;
        s.held = false;   // the decision about to be made sees its state
        MinerView v;
        v.id = s.settings.id;
        v.caps = s.caps;
        v.state = s.state;
        v.state_at = s.state_at;
        // Fresh: online at the last poll, and that poll is recent enough to trust.
        v.state_fresh = s.online && s.probed &&
                        now - s.state_at <= s.settings.poll_interval * 3 + Duration{2000};
        v.target = s.target;
        v.target_since = s.target_since;
        v.max_power_w = s.settings.max_power_w;
        v.min_power_w = s.settings.min_power_w;
        // Unseen, it may have ramped up to its last confirmed level since it was last measured;
        // seen, what it measures now is what it draws.
        if (!v.state_fresh)
            v.unconfirmed_draw_w = std::max(s.measured_w, s.confirmed_w);
        else if (!s.applied)
            v.unconfirmed_draw_w = s.state && s.state->power_w ? *s.state->power_w : s.confirmed_w;
        // Never read since start (the daemon restarted while it mined, and its API is down): it
        // may draw up to its limit, whatever it was last told.
        if (!s.state) v.unconfirmed_draw_w = std::max(v.unconfirmed_draw_w, s.settings.max_power_w);
        out.push_back(std::move(v));
    }
    return out;
}

void MinerFleet::set_target(std::size_t i, const MinerTarget& target, TimePoint now,
                            std::uint64_t tick, const std::string& reason) {
    std::lock_guard lock(mutex_);
    Slot& s = *slots_[i];
    s.reason = reason;
    if (s.target == target) return;
    s.target = target;
    s.target_since = now;
    s.target_tick = tick;
    s.applied = false;
    s.retry_at = TimePoint{};
    // A new target is tried at once; an offline miner keeps its count (poll backoff, and one
    // offline event per outage).
    if (s.online) s.failures = 0;
}

void MinerFleet::move_times(Duration step) {
    std::lock_guard lock(mutex_);
    for (auto& sp : slots_) {
        for (TimePoint* t : {&sp->state_at, &sp->target_since, &sp->next_poll, &sp->retry_at})
            move_by(*t, step);
    }
}

void MinerFleet::set_reason(std::size_t i, const std::string& reason) {
    std::lock_guard lock(mutex_);
    slots_[i]->reason = reason;
}

std::vector<MinerStatus> MinerFleet::status() const {
    std::lock_guard lock(mutex_);
    std::vector<MinerStatus> out;
    out.reserve(slots_.size());
    for (const auto& sp : slots_) {
        const Slot& s = *sp;
        MinerStatus m;
        m.id = s.settings.id;
        m.driver = s.settings.driver;
        m.online = s.online;
        m.state = s.state;
        m.state_at = s.state_at;
        m.caps = s.caps;
        m.target = s.target;
        m.target_applied = s.applied;
        m.reason = s.reason;
        m.last_error = s.last_error;
        m.consecutive_failures = s.failures;
        m.max_power_w = s.settings.max_power_w;
        m.min_power_w = s.settings.min_power_w;
        out.push_back(std::move(m));
    }
    return out;
}

std::optional<MinerSettings> MinerFleet::settings_of(const std::string& id) const {
    std::lock_guard lock(mutex_);
    for (const auto& sp : slots_)
        if (sp->settings.id == id) return sp->settings;
    return std::nullopt;
}

bool MinerFleet::wait_idle_for(Duration limit) const {
    std::unique_lock lock(mutex_);
    return idle_.wait_for(lock, limit, [this] { return queue_.empty() && running_ == 0; });
}

void MinerFleet::wait_idle() const {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return queue_.empty() && running_ == 0; });
}

}  // namespace hashsink::loop
