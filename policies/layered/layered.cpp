#include "policies/layered/layered.hpp"

#include <algorithm>
#include <limits>

#include "policies/common/intent.hpp"
#include "policies/common/policy_util.hpp"
#include "policies/heat_demand/heat_demand.hpp"

namespace hashsink::policies {
namespace {

enum class Kind { manual, schedule, physical, heat, economics };

Kind kind_of(const Policy& p) {
    if (p.name() == "manual") return Kind::manual;
    if (p.name() == "schedule") return Kind::schedule;
    if (p.name() == "heat_demand") return Kind::heat;
    if (p.name() == "economics") return Kind::economics;
    return Kind::physical;
}

// Each layer keeps its memory under "<layer>/".
PolicyMemory sub_memory(const PolicyMemory& all, std::string_view layer) {
    PolicyMemory out;
    const std::string prefix = std::string(layer) + "/";
    for (const auto& [k, v] : all.values())
        if (k.compare(0, prefix.size(), prefix) == 0) out.set(k.substr(prefix.size()), v);
    return out;
}

void merge_memory(PolicyMemory& all, std::string_view layer, const PolicyMemory& mine) {
    for (const auto& [k, v] : mine.values()) all.set(std::string(layer) + "/" + k, v);
}

// Tightens the ceilings in `into` by those of `from`.
void min_ceilings(std::map<std::string, double>& into, const std::map<std::string, double>& from) {
    for (const auto& [id, w] : from) {
        auto it = into.find(id);
        into[id] = it == into.end() ? w : std::min(it->second, w);
    }
}

// Floors no higher than the ceilings (a physical limit or an operator's min is above heat).
void clamp_floors(std::map<std::string, double>& floors,
                  const std::map<std::string, double>& ceilings) {
    for (auto it = floors.begin(); it != floors.end();) {
        auto c = ceilings.find(it->first);
        if (c != ceilings.end()) it->second = std::min(it->second, c->second);
        it = it->second > 0 ? std::next(it) : floors.erase(it);
    }
}

}  // namespace

LayeredPolicy::LayeredPolicy(std::vector<std::unique_ptr<Policy>> layers)
    : layers_(std::move(layers)) {
    // Fixed precedence, whatever the order in the config.
    std::stable_sort(layers_.begin(), layers_.end(), [](const auto& a, const auto& b) {
        return static_cast<int>(kind_of(*a)) < static_cast<int>(kind_of(*b));
    });
}

const KeyTable& LayeredPolicy::keys() {
    static const KeyTable table = {
        {.name = "layers", .type = KeyType::string_list,
         .doc = "The policies to compose, each configured in its own [policy.<name>] table. "
                "Precedence is fixed, whatever the order here: manual, then schedule, then the "
                "physical limits (solar_surplus, genset_follow: the tightest wins), then heat "
                "(heat_demand floors), then economics; a fail-safe or emergency shed from any "
                "layer wins over all.",
         .fallback = std::vector<std::string>{"manual", "solar_surplus"}},
    };
    return table;
}

Decision LayeredPolicy::decide(const SiteSnapshot& snap, const PolicyMemory& memory) const {
    Decision d;
    d.policy = std::string(name());
    const double inf = std::numeric_limits<double>::infinity();

    std::optional<Intent> intent;
    std::string intent_from;
    bool any_physical = false, hold = true, emergency = false, shed = false;
    double physical_w = inf;
    std::string physical_reason, fail_reason;
    const Decision* economics = nullptr;
    Decision economics_decision;
    const Decision* heat = nullptr;
    Decision heat_decision;
    const HeatDemandPolicy* heat_policy = nullptr;
    std::vector<Decision> physical;

    for (const auto& layer : layers_) {
        const Kind kind = kind_of(*layer);
        Decision ld = layer->decide(snap, sub_memory(memory, layer->name()));
        merge_memory(d.memory, layer->name(), ld.memory);
        if (ld.fail_safe && fail_reason.empty())
            fail_reason = std::string(layer->name()) + ": " + ld.reason;
        switch (kind) {
            case Kind::manual:
            case Kind::schedule:
                if (!intent)
                    if (const auto* src = dynamic_cast<const IntentSource*>(layer.get())) {
                        intent = src->intent(snap);
                        if (intent) intent_from = std::string(layer->name());
                    }
                break;
            case Kind::physical:
                any_physical = true;
                emergency = emergency || ld.emergency;
                shed = shed || ld.shed || ld.emergency;
                hold = hold && ld.hold;
                if (ld.budget_w < physical_w || physical_reason.empty()) {
                    if (ld.budget_w < physical_w) physical_w = ld.budget_w;
                    physical_reason = std::string(layer->name()) + ": " + ld.reason;
                }
                min_ceilings(d.miner_ceiling_w, ld.miner_ceiling_w);
                break;
            case Kind::heat:
                heat_decision = std::move(ld);
                heat = &heat_decision;
                heat_policy = dynamic_cast<const HeatDemandPolicy*>(layer.get());
                break;
            case Kind::economics:
                economics_decision = std::move(ld);
                economics = &economics_decision;
                break;
        }
    }

    if (economics) {   // what the miners earn now, whatever is decided
        d.miner_hash_value_per_h = economics->miner_hash_value_per_h;
        d.miner_heat_value_per_h = economics->miner_heat_value_per_h;
    }
    if (heat) d.heat_zones = heat->heat_zones;   // the zones as they are, whatever is decided

    // 1. Safety: a layer that cannot decide puts the fleet in its safe state.
    if (!fail_reason.empty()) {
        d.fail_safe = true;
        d.miner_ceiling_w.clear();
        d.reason = fail_reason;
        return d;
    }

    // 2-3. An operator's intent overrides the physical limits and economics; an emergency shed
    // still caps it (nothing is added while the generator sags).
    if (intent) {
        Decision i = intent_decision(*intent, snap, d.policy);
        d.budget_w = i.budget_w;
        d.miner_ceiling_w = i.miner_ceiling_w;
        d.shed = i.shed;
        d.reason = i.reason;
        if (intent->mode == Intent::Mode::cap) {
            // A cap restricts: the layers below still decide inside it.
            const double cap_w = d.budget_w;
            d.budget_w = std::min(d.budget_w, physical_w);
            if (economics) {
                d.budget_w = std::min(d.budget_w, economics->budget_w);
                d.miner_ceiling_w = economics->miner_ceiling_w;
            }
            // Heat floors, as far as the cap goes.
            if (heat) {
                double used = 0;
                for (const auto& [id, w] : heat->miner_floor_w)
                    if (used + w <= cap_w + 1e-9) {
                        d.miner_floor_w[id] = w;
                        used += w;
                    }
                d.budget_w = std::max(d.budget_w, used);
            }
            d.shed = shed;
        }
        // A zone's limits (max_power_w, max_store_c, its safe state) hold under any intent.
        if (heat) {
            min_ceilings(d.miner_ceiling_w, heat->miner_ceiling_w);
            clamp_floors(d.miner_floor_w, d.miner_ceiling_w);
        }
        if (emergency) {
            d.budget_w = std::min(d.budget_w, physical_w);
            d.shed = d.emergency = true;
            d.miner_floor_w.clear();
            d.reason += "; capped by " + physical_reason;
        }
        return d;
    }

    // 4. Physical limits, the tightest; 5. heat floors (and zone ceilings) on top; 6. economics
    // inside them.
    d.budget_w = any_physical ? physical_w : (economics ? economics->budget_w : 0);
    d.shed = shed;
    d.emergency = emergency;
    d.reason = any_physical ? physical_reason : "";
    if (heat) {
        min_ceilings(d.miner_ceiling_w, heat->miner_ceiling_w);
        if (!emergency) d.miner_floor_w = heat->miner_floor_w;
        clamp_floors(d.miner_floor_w, d.miner_ceiling_w);
        d.reason += (d.reason.empty() ? "" : "; ") + std::string("heat_demand: ") + heat->reason;
    }
    if (economics) {
        // Economics lowers a zone below its floor only where the zone allows it; elsewhere the
        // floor stands whatever the hash is worth.
        auto ceilings = economics->miner_ceiling_w;
        for (auto& [id, w] : ceilings) {
            auto f = d.miner_floor_w.find(id);
            if (f == d.miner_floor_w.end()) continue;
            const HeatZone* zone = heat_policy ? heat_policy->zone_of(id) : nullptr;
            if (zone && zone->below_floor_allowed) f->second = std::min(f->second, w);
            else w = std::max(w, f->second);
        }
        clamp_floors(d.miner_floor_w, ceilings);
        min_ceilings(d.miner_ceiling_w, ceilings);
        d.budget_w = std::min(d.budget_w, economics->budget_w);
        d.reason += (d.reason.empty() ? "" : "; ") + std::string("economics: ") + economics->reason;
    }
    // The budget always covers the floors (heat is bought even without a surplus).
    d.budget_w = std::max(d.budget_w, sum_of(d.miner_floor_w));
    if (!any_physical && !economics && !heat) d.reason = "no layer decides the budget: paused";
    // A hold keeps every current target: only when the physical layers hold and no running
    // miner is above the ceiling economics now gives it.
    d.hold = any_physical && hold && !emergency;
    if (d.hold) {
        for (const auto& m : snap.miners) {
            auto it = d.miner_ceiling_w.find(m.id);
            if (m.state_fresh && m.target.run && it != d.miner_ceiling_w.end() &&
                m.target.power_w > it->second + 1e-9)
                d.hold = false;
            // ... nor below a heat floor it must reach.
            auto f = d.miner_floor_w.find(m.id);
            if (m.state_fresh && f != d.miner_floor_w.end() &&
                (!m.target.run || m.target.power_w < f->second - 1e-9))
                d.hold = false;
        }
    }
    return d;
}

}  // namespace hashsink::policies
