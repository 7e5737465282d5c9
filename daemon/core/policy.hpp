// Policies: pure functions from a snapshot (and their own explicit memory) to a site budget.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/snapshot.hpp"

namespace hashsink {

// Hysteresis timers and other state a policy carries between ticks. Plain numbers (times as
// Unix milliseconds) so it can be journalled and restored.
class PolicyMemory {
public:
    double get(const std::string& key, double fallback = 0) const {
        auto it = values_.find(key);
        return it == values_.end() ? fallback : it->second;
    }
    bool has(const std::string& key) const { return values_.count(key) != 0; }
    void set(const std::string& key, double v) { values_[key] = v; }
    void erase(const std::string& key) { values_.erase(key); }
    const std::map<std::string, double>& values() const { return values_; }
    bool operator==(const PolicyMemory&) const = default;

private:
    std::map<std::string, double> values_;
};

// One heat zone in a tick (policies/heat_demand): what the status page and MQTT show of it.
struct HeatZoneView {
    std::string id;
    std::string signal;                     // the zone's temperature signal
    std::optional<double> temperature_c;    // nullopt: stale or missing
    double target_c = 0;                    // the setpoint now (comfort_c while pre-heating)
    bool heating = false;                   // inside a heating run (hysteresis state)
    bool preheating = false;                // warming ahead of a comfort window
    bool stale = false;                     // no usable temperature: the zone's safe state
    double fraction = 0;                    // 0..1 of the span between lowest level and max
    double floor_w = 0;                     // the zone's heat floor (its miners' floors)
};

struct Decision {
    std::string policy;
    double budget_w = 0;            // power the fleet may draw in total
    bool fail_safe = false;         // inputs missing or stale: put the fleet in its safe state
    bool hold = false;              // keep every miner's current target (inside a dead band)
    bool shed = false;              // the site imports: load must come off now, dwell or not
    // A physical limit is at risk (generator overload, frequency dip, alarm): load comes off in
    // this tick, and no layer of a composed policy, not even a manual override, may add any.
    bool emergency = false;
    // Per-miner ceilings by miner id, W: the allocator never plans a miner above its ceiling,
    // and a ceiling below its lowest level keeps it paused (0 = off). No entry: no ceiling.
    std::map<std::string, double> miner_ceiling_w;
    // Per-miner floors by miner id, W (heat a zone needs now, policies/heat_demand): the
    // allocator plans the miner at least at the lowest level reaching its floor, before the
    // budget is shared, capped by its ceiling and max_power_w; the governor trims floors last to
    // the site's max_draw_w; a fail-safe or shed still wins. No entry: no floor.
    std::map<std::string, double> miner_floor_w;
    // What each miner earns now at its measured draw, by miner id, currency/h: its hash, and
    // the heat it replaces while its zone wants heat (policies/economics). For the status page
    // and the journal; no entry: unknown or nothing.
    std::map<std::string, double> miner_hash_value_per_h;
    std::map<std::string, double> miner_heat_value_per_h;
    std::vector<HeatZoneView> heat_zones;   // one per configured zone, in config order
    std::string reason;             // one line an operator can read
    PolicyMemory memory;            // carried to the next tick
};

// The sum of one of Decision's per-miner maps (floors, ceilings, values); 0 when empty.
inline double sum_of(const std::map<std::string, double>& per_miner) {
    double sum = 0;
    for (const auto& [_, v] : per_miner) sum += v;
    return sum;
}

class Policy {
public:
    virtual ~Policy() = default;
    virtual std::string_view name() const = 0;
    virtual Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const = 0;
};

}  // namespace hashsink
