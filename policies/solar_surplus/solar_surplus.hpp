// Solar surplus: the fleet may draw what the site would otherwise export, and nothing it would
// have to import. See README.md beside this file.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "daemon/core/policy.hpp"
#include "daemon/core/settings.hpp"
#include "policies/common/policy_with.hpp"

namespace hashsink::policies {

struct SolarSurplusSettings {
    double reserve_w = 0;             // export kept back as a safety margin
    double enable_threshold_w = 0;    // surplus above the smallest miner needed to start
    Duration enable_delay{};          // surplus must hold this long before the fleet starts
    Duration disable_delay{};         // a deficit must hold this long before the fleet stops
    double import_tolerance_w = 0;    // grid import below this is metering noise
    double hysteresis_w = 0;          // export within this of the reserve changes nothing
    Duration shed_after{};            // import held this long cuts the budget to the surplus
    Duration min_rest{};              // a miner paused less than this ago stays paused
    Duration bare_start_after{};      // surplus covering a paused miner this long starts it
    // Hidden surplus (export-limited, zero-export or throttled inverters).
    double probe_step_w = 0;      // extra load per probe (at least one miner step)
    Duration probe_interval{};    // between two probes
    Duration probe_hold{};        // no probe for this long after a probe imported...
    Duration probe_hold_max{};    // ...doubling with each failed probe in a row, up to this
    Duration backoff_settle{};    // after a back-off on import, before the next one
    double limit_band_w = 0;      // grid this close to 0 or to the export limit is "at it"
    double dc_ac_efficiency = 0;  // AC the inverter makes of its DC input
    double start_rise_w_per_min = 0;  // after a probe found too little: how fast it may grow
    // Battery.
    bool battery_reserve_charge = false;  // its charging power is not surplus...
    double battery_full_soc_pct = 0;      // ...unless it is this full
    double battery_min_soc_pct = 0;       // the fleet may run from the battery above this SoC

    static const Settings<SolarSurplusSettings>& settings();  // defaults and ranges
    static const KeyTable& keys();
    static SolarSurplusSettings from(const Options& options);
};

// What the policy carries between ticks (journalled, see policies/common/state.hpp).
struct SolarSurplusState {
    bool running = false;                    // the fleet is enabled
    bool decided = false;                    // a decision was made since a fresh start
    std::optional<TimePoint> enable_since;   // enough surplus to start, since
    std::optional<TimePoint> disable_since;  // a deficit, since
    std::optional<TimePoint> import_since;   // importing, since
    // Hidden surplus.
    std::optional<TimePoint> probe_at;          // the last probe
    std::optional<TimePoint> probe_hold_until;  // no probe before (after a back-off)
    std::optional<double> probe_step_w;         // the last probe's step
    int probe_fails = 0;                        // probes in a row that imported
    bool probe_open = false;                    // a probe not yet known to hold
    double probe_grow = 1;                      // step multiplier: x2 per probe that held
    std::optional<double> fail_step_w;          // the step that failed...
    std::optional<TimePoint> fail_hold_until;   // ...waits until then
    std::optional<TimePoint> hidden_at;         // the last tick the surplus was hidden
    std::optional<double> probe_pv_w;           // the inverter's output at the last probe
    std::optional<double> found_pv_w;           // all the inverter could give when a probe
    std::optional<TimePoint> found_at;          // failed, and when
    std::optional<TimePoint> backoff_at;        // the last back-off on import
    double backoff_budget_w = 0;                // the budget it set
    // Since when the surplus has covered each paused miner's lowest level (bare_start_after).
    std::map<std::string, std::optional<TimePoint>> covered_since;

    static constexpr int kVersion = 1;
    static constexpr auto fields() {
        using S = SolarSurplusState;
        return std::tuple{field("running", &S::running),
                          field("decided", &S::decided),
                          field("enable_since", &S::enable_since),
                          field("disable_since", &S::disable_since),
                          field("import_since", &S::import_since),
                          field("probe_at", &S::probe_at),
                          field("probe_hold_until", &S::probe_hold_until),
                          field("probe_step_w", &S::probe_step_w),
                          field("probe_fails", &S::probe_fails),
                          field("probe_open", &S::probe_open),
                          field("probe_grow", &S::probe_grow),
                          field("fail_step_w", &S::fail_step_w),
                          field("fail_hold_until", &S::fail_hold_until),
                          field("hidden_at", &S::hidden_at),
                          field("probe_pv_w", &S::probe_pv_w),
                          field("found_pv_w", &S::found_pv_w),
                          field("found_at", &S::found_at),
                          field("backoff_at", &S::backoff_at),
                          field("backoff_budget_w", &S::backoff_budget_w),
                          field("covered_since", &S::covered_since)};
    }
    bool operator==(const SolarSurplusState&) const = default;
};

class SolarSurplusPolicy final
    : public PolicyWith<Precedence::physical_limit, SolarSurplusSettings, SolarSurplusState> {
public:
    explicit SolarSurplusPolicy(SolarSurplusSettings settings) : PolicyWith(std::move(settings)) {}
    std::string_view name() const override { return "solar_surplus"; }
    Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const override;
};

}  // namespace hashsink::policies
