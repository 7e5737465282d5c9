// Economics: run the miners whose hash is worth more than the energy they use, most efficient
// first, with the marginal cost of each watt (import price, feed-in tariff, or near nothing for
// clipped or flared power). See README.md beside this file.
#pragma once

#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "daemon/core/policy.hpp"
#include "daemon/core/settings.hpp"
#include "policies/common/policy_with.hpp"
#include "policies/heat_demand/heat_zone.hpp"

namespace hashsink::policies {

struct EconomicsSettings {
    double hashprice_per_th_day = 0;     // fallback when no signal or schedule has one (0 = none)
    double import_per_kwh = 0;           // fallbacks for the energy prices (< 0 = none)
    double feed_in_per_kwh = 0;
    double clipped_cost_per_kwh = 0;     // power the inverter would clip or curtail
    double genset_cost_per_kwh = 0;      // power from the site's generator (flare gas)
    double pool_fee_pct = 0;
    double start_margin_per_kwh = 0;  // a paused miner starts only this far above break-even
    Duration lookahead{};             // no start when a price spike comes within this
    Duration stop_ahead{};            // a running miner stops this long before a spike
    Duration start_delay{};           // a start must be worth it this long
    Duration stop_delay{};            // a stop must be warranted this long
    // Heated zones ([policy.heat_demand]): a zone's miners are credited the value of the heat
    // they make while the zone wants heat. Not a key of [policy.economics].
    std::vector<HeatZone> heat_zones;

    static const Settings<EconomicsSettings>& settings();  // defaults and ranges
    static const KeyTable& keys();
    static EconomicsSettings from(const Options& options);
};

// What the policy carries between ticks for one miner (journalled, policies/common/state.hpp).
struct EconomicsMinerState {
    std::optional<TimePoint> start_since;  // worth starting, since
    std::optional<TimePoint> stop_since;   // not worth its energy while running, since
    bool heat_unwanted = false;            // its zone wanted no heat on the tick before

    static constexpr auto fields() {
        using S = EconomicsMinerState;
        return std::tuple{field("start_since", &S::start_since),
                          field("stop_since", &S::stop_since),
                          field("heat_unwanted", &S::heat_unwanted)};
    }
    bool operator==(const EconomicsMinerState&) const = default;
};

struct EconomicsState {
    std::map<std::string, EconomicsMinerState> miners;  // by miner id

    static constexpr int kVersion = 1;
    static constexpr auto fields() { return std::tuple{field("miners", &EconomicsState::miners)}; }
    bool operator==(const EconomicsState&) const = default;
};

class EconomicsPolicy final
    : public PolicyWith<Precedence::valuation, EconomicsSettings, EconomicsState> {
public:
    explicit EconomicsPolicy(EconomicsSettings settings) : PolicyWith(std::move(settings)) {}
    std::string_view name() const override { return "economics"; }
    Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const override;
};

// The heat credit of a miner now: the value of the heat it replaces, currency/kWh, while its
// zone wants heat (HeatZone::wants_heat given the answer of the tick before), 0 otherwise
// (and outside any zone).
struct HeatCredit {
    double per_kwh = 0;
    bool zoned = false;     // the miner heats a zone
    bool wanted = false;    // its zone wants heat: the next tick's wanted_before
};
HeatCredit heat_credit(const std::vector<HeatZone>& zones, const std::string& miner_id,
                       const SiteSnapshot& snap, std::optional<double> import_per_kwh,
                       bool wanted_before);

// Revenue of hash in currency per kWh, for a miner at `j_per_th` joules per terahash.
double revenue_per_kwh(double hashprice_per_th_day, double j_per_th, double pool_fee_pct);

// The value of `signal` now: a fresh reading, else the schedule slot covering now.
std::optional<double> value_now(const SiteSnapshot& s, std::string_view signal);
// The highest scheduled value of `signal` among slots that overlap [from, to).
std::optional<double> schedule_max(const SiteSnapshot& s, std::string_view signal, TimePoint from,
                                   TimePoint to);

}  // namespace hashsink::policies
