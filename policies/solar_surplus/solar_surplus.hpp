// Solar surplus: the fleet may draw what the site would otherwise export, and nothing it would
// have to import. See README.md beside this file.
#pragma once

#include "daemon/core/options.hpp"
#include "daemon/core/policy.hpp"

namespace hashsink::policies {

struct SolarSurplusSettings {
    double reserve_w = 50;            // export kept back as a safety margin
    double enable_threshold_w = 0;    // surplus above the smallest miner needed to start
    Duration enable_delay{30'000};    // surplus must hold this long before the fleet starts
    Duration disable_delay{120'000};  // a deficit must hold this long before the fleet stops
    double import_tolerance_w = 25;   // grid import below this is metering noise
    double hysteresis_w = 30;         // export within this of the reserve changes nothing
    Duration shed_after{10'000};      // import held this long cuts the budget to the surplus
    // Hidden surplus (export-limited, zero-export or throttled inverters).
    double probe_step_w = 50;         // extra load per probe (at least one miner step)
    Duration probe_interval{10'000};  // between two probes
    Duration probe_hold{60'000};      // no probe for this long after a probe imported...
    Duration probe_hold_max{120'000}; // ...doubling with each failed probe in a row, up to this
    Duration backoff_settle{5'000};   // after a back-off on import, before the next one
    double limit_band_w = 50;         // grid this close to 0 or to the export limit is "at it"
    double dc_ac_efficiency = 0.97;   // AC the inverter makes of its DC input
    // Battery.
    bool battery_reserve_charge = true;  // its charging power is not surplus...
    double battery_full_soc_pct = 95;    // ...unless it is this full
    double battery_min_soc_pct = 100;    // the fleet may run from the battery above this SoC

    static const KeyTable& keys();
    static SolarSurplusSettings from(const Options& options);
};

class SolarSurplusPolicy final : public Policy {
public:
    explicit SolarSurplusPolicy(SolarSurplusSettings settings) : settings_(settings) {}
    std::string_view name() const override { return "solar_surplus"; }
    Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const override;

private:
    SolarSurplusSettings settings_;
};

}  // namespace hashsink::policies
