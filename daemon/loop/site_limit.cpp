#include "daemon/loop/site_limit.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "daemon/core/log.hpp"

namespace hashsink::loop {
namespace {

std::string watts(double w) {
    char text[32];
    std::snprintf(text, sizeof text, "%.0f W", w);
    return text;
}

std::string describe(const SiteLimitState& s) {
    std::string what = "limit " + watts(s.limit_w);
    if (s.heartbeat.count() > 0)
        what += ", heartbeat " + std::to_string(s.heartbeat.count() / 1000) + " s, failsafe " +
                watts(s.failsafe_w);
    if (s.until) what += " until " + iso8601(*s.until);
    if (!s.note.empty()) what += " (" + s.note + ")";
    return what;
}

}  // namespace

Status check(const SiteLimitRequest& r) {
    auto bad = [](double w) { return !std::isfinite(w) || w < 0; };
    if (r.limit_w && bad(*r.limit_w))
        return Status::error(ErrorCode::invalid, "a site limit must be 0 or more watts", false);
    if (bad(r.failsafe_w))
        return Status::error(ErrorCode::invalid, "a failsafe limit must be 0 or more watts", false);
    if (r.heartbeat.count() < 0)
        return Status::error(ErrorCode::invalid, "a heartbeat must not be negative", false);
    return {};
}

void SiteLimitCommands::set(const std::string& source, const SiteLimitRequest& r, TimePoint now) {
    std::lock_guard lock(mutex_);
    if (!r.limit_w) {
        if (state_.erase(source) > 0)
            news_.emplace_back(
                source, "limit cleared" + (r.note.empty() ? "" : " (" + r.note + ")"), false);
        return;
    }
    SiteLimitState s{.limit_w = *r.limit_w,
                     .heartbeat = r.heartbeat,
                     .failsafe_w = r.failsafe_w,
                     .until = r.until,
                     .refreshed = now,
                     .note = r.note};
    auto it = state_.find(source);
    const bool same = it != state_.end() && !it->second.lapsed && it->second.limit_w == s.limit_w &&
                      it->second.heartbeat == s.heartbeat &&
                      it->second.failsafe_w == s.failsafe_w && it->second.until == s.until;
    // A manager that rewrites the same limit every few seconds refreshes it; only a change is
    // news, so the journal keeps one line per change.
    if (!same) news_.emplace_back(source, describe(s), false);
    state_[source] = std::move(s);
}

bool SiteLimitCommands::refresh(const std::string& source, TimePoint now) {
    std::lock_guard lock(mutex_);
    auto it = state_.find(source);
    if (it == state_.end()) return false;
    it->second.refreshed = now;
    if (it->second.lapsed) {
        it->second.lapsed = false;
        news_.emplace_back(source, "heartbeat back: " + describe(it->second), false);
    }
    return true;
}

std::optional<double> SiteLimitCommands::carry(TimePoint now, Recorder& recorder) {
    std::lock_guard lock(mutex_);
    for (auto it = state_.begin(); it != state_.end();) {
        SiteLimitState& s = it->second;
        if (s.until && now >= *s.until) {
            news_.emplace_back(it->first, "limit expired", false);
            it = state_.erase(it);
            continue;
        }
        if (!s.lapsed && s.heartbeat.count() > 0 && now - s.refreshed > s.heartbeat) {
            s.lapsed = true;
            news_.emplace_back(it->first, "heartbeat lapsed: failsafe limit " + watts(s.failsafe_w),
                               true);
        }
        ++it;
    }
    for (const auto& [source, what, warning] : news_) {
        (warning ? log::warn : log::info)("loop", "site limit from " + source + ": " + what);
        recorder.event(now, warning ? Severity::warning : Severity::notice, "site.limit", source,
                       what);
    }
    news_.clear();
    std::optional<double> lowest;
    for (const auto& [source, s] : state_)
        lowest = std::min(lowest.value_or(s.applied_w()), s.applied_w());
    return lowest;
}

void SiteLimitCommands::move_times(Duration step) {
    std::lock_guard lock(mutex_);
    for (auto& [source, s] : state_) {
        move_by(s.refreshed, step);
        if (s.until) move_by(*s.until, step);
    }
}

std::map<std::string, SiteLimitState> SiteLimitCommands::current() const {
    std::lock_guard lock(mutex_);
    return state_;
}

}  // namespace hashsink::loop
