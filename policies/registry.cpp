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
namespace {

// `layers` may name any other policy.
KeyTable layered_keys() {
    KeyTable t = LayeredPolicy::keys();
    t[0].choices = {"solar_surplus", "genset_follow", "economics", "schedule", "manual",
                    "external", "heat_demand"};
    return t;
}

}  // namespace

const std::vector<PolicyType>& policy_types() {
    static const std::vector<PolicyType> all = {
        {"solar_surplus", "mine what the site would export, never import",
         SolarSurplusSettings::keys(),
         [](const Options& o, const std::optional<TimeZone>&) -> std::unique_ptr<Policy> {
             return std::make_unique<SolarSurplusPolicy>(SolarSurplusSettings::from(o));
         }},
        {"genset_follow", "hold an islanded generator inside a load band, shed on dips and alarms",
         GensetFollowSettings::keys(),
         [](const Options& o, const std::optional<TimeZone>&) -> std::unique_ptr<Policy> {
             return std::make_unique<GensetFollowPolicy>(GensetFollowSettings::from(o));
         }},
        {"economics", "run the miners whose hash is worth more than their energy",
         EconomicsSettings::keys(),
         [](const Options& o, const std::optional<TimeZone>&) -> std::unique_ptr<Policy> {
             return std::make_unique<EconomicsPolicy>(EconomicsSettings::from(o));
         }},
        {"heat_demand", "a thermostat per zone: miners heat rooms, held in a band by a heat floor",
         HeatDemandSettings::keys(),
         [](const Options& o, const std::optional<TimeZone>& zone) -> std::unique_ptr<Policy> {
             return std::make_unique<HeatDemandPolicy>(HeatDemandSettings::from(o, zone));
         }},
        {"schedule", "time windows: off, minimum, maximum or a cap",
         ScheduleSettings::keys(),
         [](const Options& o, const std::optional<TimeZone>& zone) -> std::unique_ptr<Policy> {
             return std::make_unique<SchedulePolicy>(ScheduleSettings::from(o, zone));
         }},
        {"manual", "an operator's override (off, min, max until an expiry), set at run time",
         ManualPolicy::keys(),
         [](const Options&, const std::optional<TimeZone>&) -> std::unique_ptr<Policy> {
             return std::make_unique<ManualPolicy>();
         }},
        {"external", "a budget answered by another process over MQTT; safe state when silent",
         ExternalSettings::keys(),
         [](const Options& o, const std::optional<TimeZone>&) -> std::unique_ptr<Policy> {
             return std::make_unique<ExternalPolicy>(ExternalSettings::from(o));
         }},
        {"layered", "several policies with a fixed precedence: manual, schedule, physical limits, "
                    "heat, economics",
         layered_keys(),
         [](const Options& o, const std::optional<TimeZone>& zone) -> std::unique_ptr<Policy> {
             return make_policy("layered", {{"layered", o}}, zone);
         }},
    };
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
        Options o = with_defaults(LayeredPolicy::keys(), options_of("layered"));
        std::vector<std::unique_ptr<Policy>> layers;
        for (const auto& name : o.get_list("layers")) {
            const PolicyType* t = find_policy_type(name);
            if (t == nullptr || name == "layered") continue;   // the config check rejects these
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
