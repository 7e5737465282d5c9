// Policies: pure functions from a snapshot (and their own explicit memory) to a site budget.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/snapshot.hpp"

namespace hashsink {

// A policy's state between ticks (hysteresis and dwell timers, learnt rates): a typed struct
// of the policy's own, declared with its fields once (policies/common/state.hpp). Opaque to the
// core, which carries it to the next tick and journals its JSON ({"v":N,...}); empty: a fresh
// start (no state yet, or a stateless policy), journalled as {}. Immutable once made, so a copy
// is cheap and the journal's writer thread may read it.
class PolicyMemory {
public:
    class Held {
    public:
        virtual ~Held() = default;
        virtual std::string json() const = 0;
        virtual std::size_t bytes() const = 0;  // heap estimate (the journal's queue)
        virtual bool equals(const Held& other) const = 0;
        // The same state with every time point in it moved by `step` (a wall-clock step, see
        // Clock::resync); nullptr when it holds none.
        virtual std::shared_ptr<const Held> shifted(Duration /*step*/) const { return nullptr; }
    };

    PolicyMemory() = default;
    explicit PolicyMemory(std::shared_ptr<const Held> held) : held_(std::move(held)) {}
    const Held* held() const { return held_.get(); }
    bool empty() const { return held_ == nullptr; }
    // This memory with its timers moved by a wall-clock step, so a hold or a delay keeps the
    // time it had left.
    PolicyMemory shifted(Duration step) const {
        auto moved = held_ ? held_->shifted(step) : nullptr;
        return moved ? PolicyMemory(std::move(moved)) : *this;
    }
    std::string json() const { return held_ ? held_->json() : "{}"; }
    std::size_t bytes() const { return held_ ? held_->bytes() : 0; }
    bool operator==(const PolicyMemory& o) const {
        return held_ == o.held_ || (held_ && o.held_ && held_->equals(*o.held_));
    }

private:
    std::shared_ptr<const Held> held_;
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

// What a policy shows of a tick, beside its decision: for the status page, MQTT, the metrics and
// the journal. The allocator and the governor never read it.
struct PolicyReport {
    // What each miner earns now at its measured draw, by miner id, currency/h: its hash, and
    // the heat it replaces while its zone wants heat (policies/economics). No entry: unknown or
    // nothing.
    std::map<std::string, double> miner_hash_value_per_h;
    std::map<std::string, double> miner_heat_value_per_h;
    std::vector<HeatZoneView> heat_zones;  // one per configured zone, in config order
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
    std::string reason;             // one line an operator can read
    PolicyReport report;            // shown, never decided on (see PolicyReport)
    PolicyMemory memory;            // carried to the next tick
};

// The sum of one of Decision's per-miner maps (floors, ceilings, values); 0 when empty.
inline double sum_of(const std::map<std::string, double>& per_miner) {
    double sum = 0;
    for (const auto& [_, v] : per_miner) sum += v;
    return sum;
}

// Where a policy stands when composed with others (policies/layered), highest first. Each
// policy declares its own; a composition orders its layers by it and combines each by its kind:
// overrides give an intent, limits the budget (the tightest wins), floors heat floors under it,
// valuations per-miner ceilings inside all the others.
enum class Precedence {
    operator_override,  // an operator's explicit intent now
    planned_override,   // an operator's intent planned ahead (time windows)
    physical_limit,     // what the site can physically give without harm
    heat_floor,         // load a zone needs (heat), covered by the budget
    valuation,          // what pays: per-miner ceilings inside the layers above
    standalone,         // not a layer (a composition itself)
};

class Policy {
public:
    virtual ~Policy() = default;
    virtual std::string_view name() const = 0;
    virtual Precedence precedence() const = 0;
    virtual Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const = 0;
    // The memory a journalled memory_json stands for: a fresh state (empty) when the text is
    // malformed, of another version or of another policy. Stateless policies keep the default.
    virtual PolicyMemory restore(std::string_view /*json*/) const { return {}; }
};

}  // namespace hashsink
