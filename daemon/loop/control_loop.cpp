#include "daemon/loop/control_loop.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <utility>

#include "daemon/core/derived_signals.hpp"
#include "daemon/core/log.hpp"
#include "daemon/loop/decide.hpp"

namespace hashsink::loop {

namespace {
// A wall-clock step from this size up is journalled: smaller ones are NTP's routine corrections.
constexpr Duration kClockJumpEvent{1000};
}  // namespace

ControlLoop::ControlLoop(LoopSettings settings, std::unique_ptr<Policy> policy, const Clock& clock,
                         Recorder& recorder)
    : settings_(std::move(settings)),
      policy_(std::move(policy)),
      clock_(clock),
      recorder_(recorder),
      pacer_(settings_.period, settings_.min_spacing),
      fleet_(clock, recorder, settings_.miner_threads) {
    settings_.limits.period = settings_.period;
}

ControlLoop::~ControlLoop() { stop(); }

void ControlLoop::add_source(SourceSettings settings, std::unique_ptr<Source> source) {
    sources_.push_back(make_poller(std::move(settings), std::move(source)));
}

std::unique_ptr<SourcePoller> ControlLoop::make_poller(SourceSettings settings,
                                                       std::unique_ptr<Source> source) {
    auto poller =
        std::make_unique<SourcePoller>(std::move(settings), std::move(source), clock_, recorder_);
    poller->on_reading([this] {
        {
            std::lock_guard lock(wake_mutex_);
            pacer_.fresh_data(std::chrono::steady_clock::now());
        }
        wake_.notify_all();
    });
    return poller;
}

void ControlLoop::add_miner(MinerSettings settings, std::unique_ptr<MinerDriver> driver) {
    fleet_.add(std::move(settings), std::move(driver));
}

void ControlLoop::start() {
    for (auto& s : sources_) s->start();
    fleet_.start();
    stopping_ = false;
    started_ = true;
    {
        std::lock_guard lock(changes_mutex_);
        running_ = true;
    }
    thread_ = std::thread([this] { run(); });
}

void ControlLoop::stop(bool park, Duration park_limit) {
    {
        std::lock_guard lock(wake_mutex_);  // a waiting tick thread sees it
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    {
        // Whoever still waits for a reconfigure gets it applied here, on this thread.
        std::lock_guard lock(changes_mutex_);
        running_ = false;
    }
    apply_pending();
    if (park && started_) {
        started_ = false;
        TimePoint now = clock_.now();
        auto views = fleet_.views(now);
        for (std::size_t i = 0; i < views.size(); ++i) {
            MinerTarget safe = safe_target(views[i], settings_.limits.safe_state);
            fleet_.set_target(i, safe, now, tick_count_, "safe state: daemon stopping");
            recorder_.target(now, tick_count_, views[i].id, safe, "daemon stopping");
        }
        // One schedule() is not enough: a miner busy with a poll when the stop came, or waiting
        // out a retry, would be skipped. Keep scheduling until every miner that answers has
        // confirmed its safe state, or the limit.
        const auto until = std::chrono::steady_clock::now() + park_limit;
        bool parked = false;
        while (true) {
            // The safe state goes to a miner even if it came back after the views above.
            fleet_.schedule(clock_.now(), /*hold_returning=*/false);
            fleet_.wait_idle_for(Duration{50});
            parked = true;
            for (const auto& m : fleet_.status()) parked = parked && (!m.online || m.target_applied);
            if (parked || std::chrono::steady_clock::now() >= until) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (!parked)
            log::warn("loop", "stopping: some miners did not confirm their safe state in time");
    }
    fleet_.stop();
    for (auto& s : sources_) s->stop();
}

void ControlLoop::reconfigure(LoopChanges changes) {
    std::unique_lock lock(changes_mutex_);
    if (!running_) {
        lock.unlock();
        apply_changes(changes);
        return;
    }
    // One at a time; the loop thread applies it before its next tick.
    changes_done_.wait(lock, [this] { return pending_changes_ == nullptr; });
    if (!running_) {
        lock.unlock();
        apply_changes(changes);
        return;
    }
    pending_changes_ = &changes;
    changes_done_.wait(lock, [&] { return pending_changes_ != &changes; });
}

void ControlLoop::apply_pending() {
    std::unique_lock lock(changes_mutex_);
    if (pending_changes_ == nullptr) return;
    LoopChanges* changes = pending_changes_;
    lock.unlock();
    apply_changes(*changes);
    lock.lock();
    pending_changes_ = nullptr;
    changes_done_.notify_all();
}

void ControlLoop::apply_changes(LoopChanges& changes) {
    settings_ = std::move(changes.settings);
    settings_.limits.period = settings_.period;
    if (changes.policy) {
        if (!changes.keep_memory) memory_ = PolicyMemory{};
        policy_ = std::move(changes.policy);
    }
    const bool running = thread_.joinable() && !stopping_;
    std::vector<std::unique_ptr<SourcePoller>> next;
    for (auto& [settings, source] : changes.sources) {
        std::unique_ptr<SourcePoller> poller;
        if (!source) {
            for (auto& old : sources_) {
                if (old && old->status().id == settings.id) {
                    poller = std::move(old);
                    break;
                }
            }
            if (!poller) continue;
        } else {
            poller = make_poller(std::move(settings), std::move(source));
            if (running) poller->start();
        }
        next.push_back(std::move(poller));
    }
    sources_ = std::move(next);   // pollers left out stop as they are destroyed
    fleet_.replace(std::move(changes.miners));
    if (!running) return;   // the first configuration of a loop that is being built
    log::notice("loop", "configuration applied: " + std::to_string(sources_.size()) +
                            " source(s), " + std::to_string(fleet_.size()) + " miner(s), policy " +
                            std::string(policy_->name()));
    recorder_.event(clock_.now(), Severity::notice, "config.applied", std::string(policy_->name()),
                    "configuration applied without restart");
}

void ControlLoop::run() {
    auto due = std::chrono::steady_clock::now();
    while (!stopping_) {
        apply_pending();
        {
            // A new reading from here on is after this tick's snapshot: it earns the next one.
            std::lock_guard lock(wake_mutex_);
            pacer_.set_timing(settings_.period, settings_.min_spacing);  // as reconfigured
            const auto start = std::chrono::steady_clock::now();
            tick_late_ms_ =
                std::max(0.0, std::chrono::duration<double, std::milli>(start - due).count());
            pacer_.ticked(start);
        }
        tick();
        due = wait_for_tick();
    }
}

std::chrono::steady_clock::time_point ControlLoop::wait_for_tick() {
    std::unique_lock lock(wake_mutex_);
    while (!stopping_) {
        // A reading arriving meanwhile moves the due time earlier and wakes the wait.
        const auto due = pacer_.next();
        if (std::chrono::steady_clock::now() >= due) break;
        wake_.wait_until(lock, due);
    }
    return pacer_.due_since();
}

TickTiming ControlLoop::time_tick(std::chrono::steady_clock::time_point work_start) {
    const double work =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - work_start)
            .count();
    work_ms_.add(work);
    if (tick_late_ms_) late_ms_.add(*std::exchange(tick_late_ms_, std::nullopt));
    auto& s = timing_scratch_;
    return {.ticks = work_ms_.size(),
            .late_p50_ms = late_ms_.quantile(0.5, s),
            .late_p99_ms = late_ms_.quantile(0.99, s),
            .late_max_ms = late_ms_.quantile(1, s),
            .work_p50_ms = work_ms_.quantile(0.5, s),
            .work_p99_ms = work_ms_.quantile(0.99, s),
            .work_max_ms = work_ms_.quantile(1, s)};
}

Duration ControlLoop::tick_span(TimePoint now) {
    const TimePoint last = std::exchange(last_tick_at_, now);
    if (last == TimePoint{}) return settings_.period;
    return std::clamp(std::chrono::duration_cast<Duration>(now - last), Duration{0},
                      settings_.period);
}

void ControlLoop::follow_wall_clock() {
    const Duration step = clock_.resync();
    if (step == Duration{0}) return;
    move_by(last_tick_at_, step);
    for (auto& s : sources_) s->move_times(step);
    fleet_.move_times(step);
    commands_.move_times(step);
    site_limits_.move_times(step);
    memory_ = memory_.shifted(step);
    {
        std::lock_guard lock(override_mutex_);
        if (override_) move_by(override_->until, step);
    }
    if (on_clock_step_) on_clock_step_(step);
    if (step < kClockJumpEvent && step > -kClockJumpEvent) return;
    char what[96];
    std::snprintf(what, sizeof what,
                  "wall clock stepped %+.1f s; dwell, delays and ages keep their time left",
                  std::chrono::duration<double>(step).count());
    log::warn("loop", what);
    recorder_.event(clock_.now(), Severity::warning, "clock.jump", "clock", what);
}

void ControlLoop::set_override(std::optional<ManualOverride> manual) {
    std::lock_guard lock(override_mutex_);
    override_ = std::move(manual);
    override_changed_ = true;
}

std::optional<ManualOverride> ControlLoop::current_override() const {
    std::lock_guard lock(override_mutex_);
    return override_;
}

Status ControlLoop::command_miner(const MinerCommandChange& change) {
    const std::optional<MinerSettings> found = fleet_.settings_of(change.id);
    if (!found) return Status::error(ErrorCode::invalid, "no miner " + change.id, false);
    if (change.max_power_w) {
        const double w = *change.max_power_w;
        if (!std::isfinite(w) || w < 0)
            return Status::error(ErrorCode::invalid, "max_power_w must be 0 or more watts", false);
        if (w > 0 && w < found->min_power_w)
            return Status::error(ErrorCode::invalid, "max_power_w is below the miner's min_power_w",
                                 false);
    }
    commands_.set(change);
    return {};
}

Status ControlLoop::set_site_limit(const std::string& source, const SiteLimitRequest& request) {
    if (Status ok = check(request); !ok) return ok;
    site_limits_.set(source, request, clock_.now());
    return {};
}

bool ControlLoop::refresh_site_limit(const std::string& source) {
    return site_limits_.refresh(source, clock_.now());
}

std::shared_ptr<const LoopStatus> ControlLoop::tick() {
    const auto work_start = std::chrono::steady_clock::now();
    const std::uint64_t tick = ++tick_count_;
    follow_wall_clock();

    // 1. Freeze the process image.
    SiteSnapshot snap = freeze();
    if (on_snapshot_) on_snapshot_(snap);

    // 2. Decide.
    // The same pure function the simulator calls (daemon/loop/decide.hpp). A tick that comes
    // early for a new reading ramps by the time it covers, not by a whole period.
    SiteLimits limits = settings_.limits;
    limits.period = tick_span(snap.now);
    limits.command_limit_w = site_limits_.carry(snap.now, recorder_);
    add_tick(energy_, snap, limits.period);
    TickDecision decided = decide_tick(*policy_, snap, memory_, limits,
                                       {.priority = settings_.priority,
                                        .start_margin_w = settings_.start_margin_w,
                                        .start_margin_pct = settings_.start_margin_pct},
                                       ramp_credit_w_);
    const Decision& d = decided.decision;
    memory_ = d.memory;
    ramp_credit_w_ = decided.ramp_credit_w;

    // 3. Act, 4. record, 5. publish.
    act(tick, snap, decided.governed);
    record(tick, snap, d);
    auto status = publish(tick, snap, decided, limits, work_start);
    if (on_tick_) on_tick_(*status);
    return status;
}

SiteSnapshot ControlLoop::freeze() {
    SiteSnapshot snap;
    snap.now = clock_.now();
    for (const auto& s : sources_) {
        s->copy_readings(snap.readings);
        s->copy_schedules(snap.schedules);
    }
    derived::add_derived_signals(snap);
    snap.miners = fleet_.views(snap.now);
    commands_.carry_into(snap, recorder_);
    std::lock_guard lock(override_mutex_);
    const bool expired = override_ && snap.now >= override_->until;
    if (override_changed_ || expired) {
        std::string what = override_ && !expired
                               ? std::string("manual override ") + to_string(override_->mode) +
                                     " until " + iso8601(override_->until) + " by " +
                                     (override_->by.empty() ? "unknown" : override_->by) +
                                     (override_->note.empty() ? "" : ": " + override_->note)
                           : expired ? std::string("manual override expired")
                                     : std::string("manual override cleared");
        log::info("loop", what);
        recorder_.event(snap.now, Severity::notice, "loop.override", policy_->name().data(), what);
        if (expired) override_.reset();
        override_changed_ = false;
    }
    snap.manual = override_;
    return snap;
}

// Only changed targets go out; the fleet applies them concurrently.
void ControlLoop::act(std::uint64_t tick, const SiteSnapshot& snap,
                      const std::vector<GovernedTarget>& governed) {
    for (std::size_t i = 0; i < governed.size(); ++i) {
        if (governed[i].changed) {
            fleet_.set_target(i, governed[i].target, snap.now, tick, governed[i].reason);
            recorder_.target(snap.now, tick, snap.miners[i].id, governed[i].target, governed[i].reason);
        } else {
            fleet_.set_reason(i, governed[i].reason);
        }
    }
    fleet_.schedule(snap.now);
}

void ControlLoop::record(std::uint64_t tick, const SiteSnapshot& snap, const Decision& d) {
    recorder_.decision(snap.now, tick, d);
    if (d.fail_safe != was_fail_safe_) {
        was_fail_safe_ = d.fail_safe;
        if (d.fail_safe) {
            log::warn("loop", "safe state: " + d.reason);
            recorder_.event(snap.now, Severity::warning, "loop.fail_safe", policy_->name().data(), d.reason);
        } else {
            log::info("loop", "inputs back; leaving the safe state");
            recorder_.event(snap.now, Severity::info, "loop.resumed", policy_->name().data(), d.reason);
        }
    }
}

std::shared_ptr<const LoopStatus> ControlLoop::publish(
    std::uint64_t tick, const SiteSnapshot& snap, const TickDecision& decided,
    const SiteLimits& limits, std::chrono::steady_clock::time_point work_start) {
    auto status = std::make_shared<LoopStatus>();
    status->tick = tick;
    status->at = snap.now;
    status->decision = decided.decision;
    for (const auto& g : decided.governed) status->planned_w += g.target.run ? g.target.power_w : 0;
    status->measured_w = snap.miners_draw_w();
    for (const auto& s : sources_) status->sources.push_back(s->status());
    // Derived signals show as one more source, each with its inputs' age.
    SourceStatus derived_status{.id = std::string(derived::kSource),
                                .type = std::string(derived::kSource),
                                .ok = true,
                                .last_ok = snap.now};
    for (const auto& [name, r] : snap.readings)
        if (r.source == derived::kSource) derived_status.readings.emplace_back(name, r);
    if (!derived_status.readings.empty()) status->sources.push_back(std::move(derived_status));
    status->miners = fleet_.status();
    if (auto commands = commands_.current(); !commands.empty())
        for (auto& m : status->miners)
            if (auto it = commands.find(m.id); it != commands.end()) m.command = it->second;
    status->energy = energy_;
    status->manual = snap.manual;
    status->site_limit_w = draw_limit_w(limits);
    status->site_limits = site_limits_.current();
    status->tick_duration_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - work_start).count();
    status->timing = time_tick(work_start);
    status_.publish(status);
    return status;
}

}  // namespace hashsink::loop
