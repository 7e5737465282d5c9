#include "policies/layered/layered.hpp"

#include <algorithm>
#include <limits>

#include "policies/common/intent.hpp"
#include "policies/common/policy_util.hpp"

namespace hashsink::policies {
namespace {

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

// What the layers said this tick, gathered by their precedence.
struct Said {
    std::string fail_reason;       // the first layer that cannot decide
    std::optional<Intent> intent;  // the highest override that applies now
    // Physical limits: the tightest budget and its reason, every ceiling, their flags.
    bool any_limit = false, hold = true, emergency = false, shed = false;
    double limit_w = std::numeric_limits<double>::infinity();
    std::string limit_reason;
    std::map<std::string, double> limit_ceilings;
    std::optional<Decision> heat, valuation;
    const FloorSource* heat_floor = nullptr;
};

void take_limit(const Policy& layer, const Decision& ld, Said& said) {
    said.any_limit = true;
    said.emergency = said.emergency || ld.emergency;
    said.shed = said.shed || ld.shed || ld.emergency;
    said.hold = said.hold && ld.hold;
    if (ld.budget_w < said.limit_w || said.limit_reason.empty()) {
        if (ld.budget_w < said.limit_w) said.limit_w = ld.budget_w;
        said.limit_reason = std::string(layer.name()) + ": " + ld.reason;
    }
    min_ceilings(said.limit_ceilings, ld.miner_ceiling_w);
}

// Every layer decides, from its own state; each decision is taken by the layer's precedence.
Said ask_layers(const std::vector<std::unique_ptr<Policy>>& layers, const SiteSnapshot& snap,
                const LayeredState& before, LayeredState& after) {
    Said said;
    for (const auto& layer : layers) {
        const std::string name(layer->name());
        auto it = before.layers.find(name);
        Decision ld = layer->decide(snap, it == before.layers.end() ? PolicyMemory{} : it->second);
        if (!ld.memory.empty()) after.layers[name] = ld.memory;
        if (ld.fail_safe && said.fail_reason.empty()) said.fail_reason = name + ": " + ld.reason;
        switch (layer->precedence()) {
            case Precedence::operator_override:
            case Precedence::planned_override:
                if (!said.intent)
                    if (const auto* src = dynamic_cast<const IntentSource*>(layer.get()))
                        said.intent = src->intent(snap);
                break;
            case Precedence::physical_limit:
                take_limit(*layer, ld, said);
                break;
            case Precedence::heat_floor:
                said.heat = std::move(ld);
                said.heat_floor = dynamic_cast<const FloorSource*>(layer.get());
                break;
            case Precedence::valuation:
                said.valuation = std::move(ld);
                break;
            case Precedence::standalone:
                break;  // never a layer (the registry refuses it)
        }
    }
    return said;
}

// 2-3. An operator's intent overrides the physical limits and the valuation; an emergency shed
// still caps it (nothing is added while the generator sags).
void apply_intent(const Said& said, const SiteSnapshot& snap, Decision& d) {
    const Intent& intent = *said.intent;
    Decision i = intent_decision(intent, snap, d.policy);
    d.budget_w = i.budget_w;
    d.miner_ceiling_w = i.miner_ceiling_w;
    d.shed = i.shed;
    d.reason = i.reason;
    if (intent.mode == Intent::Mode::cap) {
        // A cap restricts: the layers below still decide inside it.
        const double cap_w = d.budget_w;
        d.budget_w = std::min(d.budget_w, said.limit_w);
        if (said.valuation) {
            d.budget_w = std::min(d.budget_w, said.valuation->budget_w);
            d.miner_ceiling_w = said.valuation->miner_ceiling_w;
        }
        // Heat floors, as far as the cap goes.
        if (said.heat) {
            double used = 0;
            for (const auto& [id, w] : said.heat->miner_floor_w)
                if (used + w <= cap_w + 1e-9) {
                    d.miner_floor_w[id] = w;
                    used += w;
                }
            d.budget_w = std::max(d.budget_w, used);
        }
        d.shed = said.shed;
    }
    // A zone's limits (max_power_w, max_store_c, its safe state) hold under any intent.
    if (said.heat) {
        min_ceilings(d.miner_ceiling_w, said.heat->miner_ceiling_w);
        clamp_floors(d.miner_floor_w, d.miner_ceiling_w);
    }
    if (said.emergency) {
        d.budget_w = std::min(d.budget_w, said.limit_w);
        d.shed = d.emergency = true;
        d.miner_floor_w.clear();
        d.reason += "; capped by " + said.limit_reason;
    }
}

void add_reason(Decision& d, const std::string& part) {
    d.reason += (d.reason.empty() ? "" : "; ") + part;
}

// 6. The valuation's ceilings inside the budget. It lowers a zone below its floor only where the
// zone allows it; elsewhere the floor stands whatever the hash is worth.
void apply_valuation(const Said& said, Decision& d) {
    const Decision& v = *said.valuation;
    auto ceilings = v.miner_ceiling_w;
    for (auto& [id, w] : ceilings) {
        auto f = d.miner_floor_w.find(id);
        if (f == d.miner_floor_w.end()) continue;
        if (said.heat_floor && said.heat_floor->floor_may_yield(id))
            f->second = std::min(f->second, w);
        else
            w = std::max(w, f->second);
    }
    clamp_floors(d.miner_floor_w, ceilings);
    min_ceilings(d.miner_ceiling_w, ceilings);
    d.budget_w = std::min(d.budget_w, v.budget_w);
    add_reason(d, v.policy + ": " + v.reason);
}

// A hold keeps every current target: only when the physical layers hold and no running miner is
// above the ceiling it now has, nor below a heat floor it must reach.
bool may_hold(const Said& said, const SiteSnapshot& snap, const Decision& d) {
    if (!said.any_limit || !said.hold || said.emergency) return false;
    for (const auto& m : snap.miners) {
        if (!m.state_fresh) continue;
        auto c = d.miner_ceiling_w.find(m.id);
        if (m.target.run && c != d.miner_ceiling_w.end() && m.target.power_w > c->second + 1e-9)
            return false;
        auto f = d.miner_floor_w.find(m.id);
        if (f != d.miner_floor_w.end() && (!m.target.run || m.target.power_w < f->second - 1e-9))
            return false;
    }
    return true;
}

// 4. Physical limits, the tightest; 5. heat floors (and zone ceilings) on top; 6. the valuation
// inside them.
void combine(const Said& said, const SiteSnapshot& snap, Decision& d) {
    d.budget_w = said.any_limit ? said.limit_w : (said.valuation ? said.valuation->budget_w : 0);
    d.shed = said.shed;
    d.emergency = said.emergency;
    d.miner_ceiling_w = said.limit_ceilings;
    d.reason = said.any_limit ? said.limit_reason : "";
    if (said.heat) {
        min_ceilings(d.miner_ceiling_w, said.heat->miner_ceiling_w);
        if (!said.emergency) d.miner_floor_w = said.heat->miner_floor_w;
        clamp_floors(d.miner_floor_w, d.miner_ceiling_w);
        add_reason(d, said.heat->policy + ": " + said.heat->reason);
    }
    if (said.valuation) apply_valuation(said, d);
    // The budget always covers the floors (heat is bought even without a surplus).
    d.budget_w = std::max(d.budget_w, sum_of(d.miner_floor_w));
    if (!said.any_limit && !said.valuation && !said.heat)
        d.reason = "no layer decides the budget: paused";
    d.hold = may_hold(said, snap, d);
}

}  // namespace

LayeredPolicy::LayeredPolicy(std::vector<std::unique_ptr<Policy>> layers)
    : layers_(std::move(layers)) {
    // The declared precedence, whatever the order in the config.
    std::stable_sort(layers_.begin(), layers_.end(), [](const auto& a, const auto& b) {
        return a->precedence() < b->precedence();
    });
}

const Settings<LayeredSettings>& LayeredSettings::settings() {
    static const auto settings = Settings<LayeredSettings>{}.bind(
        &LayeredSettings::layers,
        {.name = "layers",
         .doc = "The policies to compose, each configured in its own [policy.<name>] table. "
                "Precedence is fixed, whatever the order here: manual, then schedule, then the "
                "physical limits (solar_surplus, genset_follow: the tightest wins), then heat "
                "(heat_demand floors), then economics; a fail-safe or emergency shed from any "
                "layer wins over all.",
         .fallback = std::vector<std::string>{"manual", "solar_surplus"}});
    return settings;
}

const KeyTable& LayeredSettings::keys() { return settings().keys(); }

LayeredSettings LayeredSettings::from(const Options& options) { return settings().from(options); }

PolicyMemory LayeredPolicy::restore(std::string_view json) const {
    LayeredState kept = state_from_json<LayeredState>(json);
    LayeredState st;
    for (const auto& layer : layers_) {
        auto it = kept.layers.find(std::string(layer->name()));
        if (it != kept.layers.end()) st.layers[it->first] = layer->restore(it->second.json());
    }
    return memory_of(std::move(st));
}

Decision LayeredPolicy::decide(const SiteSnapshot& snap, const PolicyMemory& memory) const {
    Decision d;
    d.policy = std::string(name());
    LayeredState next;
    const Said said = ask_layers(layers_, snap, state_of<LayeredState>(memory), next);
    d.memory = memory_of(std::move(next));
    if (said.valuation) {  // what the miners earn now, whatever is decided
        d.report.miner_hash_value_per_h = said.valuation->report.miner_hash_value_per_h;
        d.report.miner_heat_value_per_h = said.valuation->report.miner_heat_value_per_h;
    }
    if (said.heat) d.report.heat_zones = said.heat->report.heat_zones;  // the zones as they are
    if (!said.fail_reason.empty()) {
        // 1. Safety: a layer that cannot decide puts the fleet in its safe state.
        d.fail_safe = true;
        d.reason = said.fail_reason;
    } else if (said.intent) {
        apply_intent(said, snap, d);
    } else {
        combine(said, snap, d);
    }
    return d;
}

}  // namespace hashsink::policies
