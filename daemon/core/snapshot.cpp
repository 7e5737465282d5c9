#include "daemon/core/snapshot.hpp"

namespace hashsink {

std::string signal::mppt_dc_power_w(int n) {
    return "pv.mppt." + std::to_string(n) + ".dc_power_w";
}

const char* to_string(InverterState s) noexcept {
    switch (s) {
        case InverterState::off: return "off";
        case InverterState::sleeping: return "sleeping";
        case InverterState::starting: return "starting";
        case InverterState::mppt: return "mppt";
        case InverterState::throttled: return "throttled";
        case InverterState::shutting_down: return "shutting_down";
        case InverterState::fault: return "fault";
        case InverterState::standby: return "standby";
    }
    return "unknown";
}

const char* to_string(MinerRunState s) noexcept {
    switch (s) {
        case MinerRunState::mining: return "mining";
        case MinerRunState::paused: return "paused";
        case MinerRunState::overheated: return "overheated";
        case MinerRunState::offline: return "offline";
        case MinerRunState::error: return "error";
    }
    return "unknown";
}

const char* to_string(ManualOverride::Mode m) noexcept {
    switch (m) {
        case ManualOverride::Mode::off: return "off";
        case ManualOverride::Mode::min: return "min";
        case ManualOverride::Mode::max: return "max";
    }
    return "unknown";
}

const Reading* SiteSnapshot::find(std::string_view name) const {
    auto it = readings.find(name);
    return it == readings.end() ? nullptr : &it->second;
}

std::optional<double> SiteSnapshot::fresh(std::string_view name) const {
    const Reading* r = find(name);
    if (r == nullptr || !r->fresh_at(now)) return std::nullopt;
    return r->value;
}

double SiteSnapshot::miners_draw_w() const {
    double total = 0;
    for (const auto& m : miners) {
        // An offline miner counts as drawing nothing: overstating our own draw would overstate
        // the surplus and could pull power from the grid.
        if (!m.state_fresh || !m.state) continue;
        if (m.state->power_w) total += *m.state->power_w;
        else if (m.target.run) total += m.target.power_w;
    }
    return total;
}

}  // namespace hashsink
