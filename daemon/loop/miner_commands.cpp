#include "daemon/loop/miner_commands.hpp"

#include <cstdio>

#include "daemon/core/log.hpp"

namespace hashsink::loop {

std::string describe(const std::optional<ManualOverride>& o) {
    if (!o) return "auto";
    return std::string(to_string(o->mode)) + " until " + iso8601(o->until) +
           (o->by.empty() ? "" : " by " + o->by);
}

void MinerCommands::set(const MinerCommandChange& c) {
    std::lock_guard lock(mutex_);
    MinerCommandState& s = state_[c.id];
    std::string what;
    auto add = [&what](const std::string& part) { what += (what.empty() ? "" : ", ") + part; };
    if (c.enabled) {
        s.enabled = *c.enabled;
        add(s.enabled ? "enabled" : "disabled (held paused)");
    }
    if (c.max_power_w) {
        s.max_power_w = *c.max_power_w;
        char text[64];
        std::snprintf(text, sizeof text, "max_power_w %.0f W", s.max_power_w);
        add(s.max_power_w > 0 ? text : "max_power_w from the config");
    }
    if (c.change_override) {
        s.manual = c.override_;
        add("override " + describe(s.manual));
    }
    if (!what.empty()) news_.emplace_back(c.id, what);
}

void MinerCommands::carry_into(SiteSnapshot& snap, Recorder& recorder) {
    std::lock_guard lock(mutex_);
    for (auto& [id, s] : state_)
        if (s.manual && snap.now >= s.manual->until) {
            s.manual.reset();
            news_.emplace_back(id, "override expired");
        }
    for (const auto& [id, what] : news_) {
        log::info("loop", "miner " + id + ": " + what);
        recorder.event(snap.now, Severity::notice, "miner.command", id, what);
    }
    news_.clear();
    if (state_.empty()) return;
    for (MinerView& m : snap.miners) {
        auto it = state_.find(m.id);
        if (it == state_.end()) continue;
        const MinerCommandState& s = it->second;
        if (s.max_power_w > 0) m.max_power_w = s.max_power_w;
        if (!s.enabled || s.manual) snap.miner_commands[m.id] = {s.enabled, s.manual};
    }
}

void MinerCommands::move_times(Duration step) {
    std::lock_guard lock(mutex_);
    for (auto& [id, s] : state_)
        if (s.manual) move_by(s.manual->until, step);
}

std::map<std::string, MinerCommandState> MinerCommands::current() const {
    std::lock_guard lock(mutex_);
    return {state_.begin(), state_.end()};
}

}  // namespace hashsink::loop
