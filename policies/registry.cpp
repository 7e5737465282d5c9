#include "policies/registry.hpp"

#include "policies/economics/economics.hpp"
#include "policies/external/external.hpp"
#include "policies/genset_follow/genset_follow.hpp"
#include "policies/heat_demand/heat_demand.hpp"
#include "policies/layered/layered.hpp"
#include "policies/manual/manual.hpp"
#include "policies/schedule/schedule.hpp"
#include "policies/solar_surplus/solar_surplus.hpp"

namespace hashsink::policies {

const std::vector<PolicyType>& policy_types() {
    static const std::vector<PolicyType> all = [] {
        std::vector<PolicyType> types = {
            {"solar_surplus", "mine what the site would export, never import",
             SolarSurplusPolicy::kPrecedence, SolarSurplusSettings::keys(),
             [](const Options& o, const std::optional<TimeZone>&) -> std::unique_ptr<Policy> {
                 return std::make_unique<SolarSurplusPolicy>(SolarSurplusSettings::from(o));
             }},
            {"genset_follow",
             "hold an islanded generator inside a load band, shed on dips and alarms",
             GensetFollowPolicy::kPrecedence, GensetFollowSettings::keys(),
             [](const Options& o, const std::optional<TimeZone>&) -> std::unique_ptr<Policy> {
                 return std::make_unique<GensetFollowPolicy>(GensetFollowSettings::from(o));
             }},
            {"economics", "run the miners whose hash is worth more than their energy",
             EconomicsPolicy::kPrecedence, EconomicsSettings::keys(),
             [](const Options& o, const std::optional<TimeZone>&) -> std::unique_ptr<Policy> {
                 return std::make_unique<EconomicsPolicy>(EconomicsSettings::from(o));
             }},
            {"heat_demand",
             "a thermostat per zone: miners heat rooms, held in a band by a heat floor",
             HeatDemandPolicy::kPrecedence, HeatDemandSettings::keys(),
             [](const Options& o, const std::optional<TimeZone>& zone) -> std::unique_ptr<Policy> {
                 return std::make_unique<HeatDemandPolicy>(HeatDemandSettings::from(o, zone));
             }},
            {"schedule", "time windows: off, minimum, maximum or a cap",
             SchedulePolicy::kPrecedence, ScheduleSettings::keys(),
             [](const Options& o, const std::optional<TimeZone>& zone) -> std::unique_ptr<Policy> {
                 return std::make_unique<SchedulePolicy>(ScheduleSettings::from(o, zone));
             }},
            {"manual", "an operator's override (off, min, max until an expiry), set at run time",
             ManualPolicy::kPrecedence, ManualPolicy::keys(),
             [](const Options&, const std::optional<TimeZone>&) -> std::unique_ptr<Policy> {
                 return std::make_unique<ManualPolicy>();
             }},
            {"external", "a budget answered by another process over MQTT; safe state when silent",
             ExternalPolicy::kPrecedence, ExternalSettings::keys(),
             [](const Options& o, const std::optional<TimeZone>&) -> std::unique_ptr<Policy> {
                 return std::make_unique<ExternalPolicy>(ExternalSettings::from(o));
             }},
            {"layered",
             "several policies with a fixed precedence: manual, schedule, physical limits, "
             "heat, economics",
             LayeredPolicy::kPrecedence, LayeredSettings::keys(),
             [](const Options& o, const std::optional<TimeZone>& zone) -> std::unique_ptr<Policy> {
                 return make_policy("layered", {{"layered", o}}, zone);
             }},
        };
        // `layers` may name every policy that declares a place among layers.
        for (auto& t : types)
            if (t.name == "layered")
                for (const auto& layer : types)
                    if (layer.precedence != Precedence::standalone)
                        t.keys[0].choices.push_back(layer.name);
        return types;
    }();
    return all;
}

std::unique_ptr<Policy> make_policy(const std::string& use,
                                    const std::map<std::string, Options>& tables,
                                    const std::optional<TimeZone>& time_zone) {
    auto options_of = [&](const std::string& name) {
        auto it = tables.find(name);
        return it == tables.end() ? Options{} : it->second;
    };
    // Economics credits the heat of the zones [policy.heat_demand] declares.
    auto build = [&](const PolicyType& t) -> std::unique_ptr<Policy> {
        Options o = with_defaults(t.keys, options_of(t.name));
        if (t.name != "economics" || !tables.count("heat_demand")) return t.make(o, time_zone);
        EconomicsSettings s = EconomicsSettings::from(o);
        s.heat_zones = HeatDemandSettings::from(options_of("heat_demand"), time_zone).zones;
        return std::make_unique<EconomicsPolicy>(std::move(s));
    };
    if (use == "layered") {
        std::vector<std::unique_ptr<Policy>> layers;
        for (const auto& name : LayeredSettings::from(options_of("layered")).layers) {
            const PolicyType* t = find_policy_type(name);
            // The config check rejects these.
            if (t == nullptr || t->precedence == Precedence::standalone) continue;
            layers.push_back(build(*t));
        }
        return std::make_unique<LayeredPolicy>(std::move(layers));
    }
    const PolicyType* t = find_policy_type(use);
    if (t == nullptr) return nullptr;
    return build(*t);
}

const PolicyType* find_policy_type(const std::string& name) {
    for (const auto& t : policy_types())
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace hashsink::policies
