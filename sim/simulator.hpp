// The simulator: replays a trace through the daemon's own decision code (policy, allocator,
// governor via loop::decide_tick) against modelled miners and a modelled site, and scores the
// result against two common baselines and a perfect-foresight oracle. See docs/simulator.md.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "adapters/miners/simulated/simulated_miner.hpp"
#include "daemon/config/config.hpp"
#include "daemon/core/policy.hpp"
#include "daemon/loop/control_loop.hpp"
#include "sim/battery_model.hpp"
#include "sim/genset_trip.hpp"
#include "sim/heat_sim.hpp"
#include "sim/shared_site.hpp"
#include "sim/trace.hpp"

namespace hashsink::sim {

// Turns an irradiance-only trace into power (docs/simulator.md, "PV model").
struct PvModel {
    double kwp = 10;                    // DC nameplate
    double derate = 0.86;               // temperature, soiling, wiring, mismatch
    double inverter_efficiency = 0.96;
    double inverter_ac_max_w = 0;       // 0: the trace's column, else unlimited
};

struct SimMiner {
    std::string id;
    miners::simulated::ModelConfig model;
    double max_power_w = 0;             // installer's limits, as in the config
    double min_power_w = 0;
};

struct SimSettings {
    loop::LoopSettings loop;            // period, governor limits, priority, start margin
    Duration miner_poll{5000};          // how often miners' state is read back
    std::vector<SimMiner> miners;
    std::string policy;                 // registry name
    Options policy_options;
    std::map<std::string, Options> policy_tables;   // every [policy.<name>], for layered
    std::optional<TimeZone> time_zone;  // [site] timezone: local time of windows
    PvModel pv;
    double hashprice_per_th_day = 0.05; // when the trace has no hashprice column
    double genset_frequency_hz = 60;    // when the trace has no frequency column
    double band_low_pct = 75;           // generator load band scored by genset_band_pct
    double band_high_pct = 90;
    BatterySpec battery;                // capacity 0: none (the trace's battery_soc_pct, if any)
    GensetTripSpec genset_trip;         // generator sites
    // Heat: the heat_demand policy's zones and the [[simulate.buildings]] modelled for them.
    std::vector<policies::HeatZone> heat_zones;
    std::vector<BuildingParams> buildings;
    SharedSiteSpec shared;  // several daemons sharing the site (members > 0)
};

// From a validated config: [site], [governor], the policy (or `policy_override`) and every
// enabled miner. `simulated` miners use their model; `axeos` miners are modelled as a
// bitaxe-gamma. Sources are not used: the trace replaces them.
Result<SimSettings> settings_from_config(const config::SiteConfig& cfg,
                                         const std::string& policy_override = {});

// One day of a run (days as DaySplit cuts them).
struct DayMetrics {
    std::string date;  // YYYY-MM-DD
    double hours = 0;
    double absorbed_kwh = 0;
    double absorbed_without_import_kwh = 0;
    double oracle_absorbed_kwh = 0;
    double oracle_ratio = 0;  // 1 when there is nothing to absorb
    double physical_oracle_absorbed_kwh = 0;
    double physical_oracle_ratio = 0;
    double import_wh = 0;
    double switches_per_miner_day = 0;
};

struct Metrics {
    double hours = 0;
    double available_surplus_kwh = 0;   // what would be exported, curtailed or flared
    double absorbed_kwh = 0;            // the part of it the fleet drew
    double oracle_absorbed_kwh = 0;
    double oracle_ratio = 0;            // absorbed / oracle (1 when there is nothing to absorb)
    // The bound that keeps each miner's start delay and lag (sim/physical_oracle.hpp).
    double physical_oracle_absorbed_kwh = 0;
    double physical_oracle_ratio = 0;
    double import_wh = 0;               // grid energy the fleet caused
    double peak_import_w = 0;
    double genset_overload_s = 0;       // seconds the site's load exceeded the generator
    int genset_trips = 0;               // times its protection tripped it (GensetTripSpec)
    std::optional<double> genset_band_pct;   // % of generator time inside the band
    double switches_per_miner_day = 0;  // run <-> pause changes
    double max_miner_switches_per_day = 0;  // of the miner that switches most
    std::map<std::string, double> miner_switches_per_day;  // by miner id
    double revenue = 0;                 // hashprice x hashrate, in the trace's currency
    double energy_cost = 0;             // import at the import price + absorbed at the feed-in
    double fleet_kwh = 0;               // everything the fleet drew above idle
    // Absorbed in ticks where the fleet caused no import (no overload): the part the oracle
    // bounds. A controller that imports can absorb more than the oracle, at the price shown
    // by import_wh.
    double absorbed_without_import_kwh = 0;
    std::optional<HeatMetrics> heat;    // with heat zones (docs/simulator.md, "Heat")
    std::vector<DayMetrics> days;
};

// One tick of a controller under test: targets for every miner, from what it sees.
class Controller {
public:
    virtual ~Controller() = default;
    virtual std::string name() const = 0;
    virtual std::vector<MinerTarget> decide(const SiteSnapshot& snapshot) = 0;
};

// The configured policy, built as the daemon builds it (nullptr: unknown).
std::unique_ptr<Policy> make_site_policy(const SimSettings& settings);
// The daemon's decision code: the configured policy, the allocator and the governor.
std::unique_ptr<Controller> make_hashsink_controller(const SimSettings& settings);
// (a) evcc / Home Assistant style on/off: a miner switches on at stock after the export has
// covered it for 1 min, the last one switches off after 3 min of import.
std::unique_ptr<Controller> make_threshold_controller(const SimSettings& settings);
// (b) follows the instantaneous export every tick, no delays, no hysteresis.
std::unique_ptr<Controller> make_export_follower(const SimSettings& settings);

// (c) a plain on/off room thermostat per heat zone: every miner of the zone at stock below
// target − hysteresis, paused above target + hysteresis; no minimum run or rest, no price.
std::unique_ptr<Controller> make_thermostat_controller(const SimSettings& settings);

// Per-tick values, for plots and tests.
struct TickSample {
    double t_s = 0;
    double surplus_w = 0;               // controllable surplus
    double fleet_w = 0;                 // fleet draw above idle
    double grid_w = 0;                  // + import (grid sites)
    double genset_load_pct = 0;
    std::vector<double> zone_temp_c;    // indoor temperature of each heat zone
    std::optional<double> battery_w;    // a modelled battery: + discharge, - charge
    std::optional<double> battery_soc_pct;
};

struct RunOptions {
    std::function<void(const TickSample&)> on_tick;   // optional
};

// Replays the trace against the controller. The oracle figures are filled separately.
Metrics run(const Trace& trace, const SimSettings& settings, Controller& controller,
            const RunOptions& options = {});

// Perfect-foresight upper bound of the energy (kWh) the fleet can absorb without import, under
// its steps, minimum power, per-miner limits and the site's max_draw_w.
double oracle_absorbed_kwh(const Trace& trace, const SimSettings& settings);
// The same bound, day by day (DaySplit's days).
std::vector<double> oracle_absorbed_kwh_by_day(const Trace& trace, const SimSettings& settings);
// The physical oracle's bound day by day, each day at most the relaxed one (relaxed_by_day).
// Sites with a modelled battery or a generator keep the relaxed bound.
std::vector<double> physical_oracle_absorbed_kwh_by_day(const Trace& trace,
                                                        const SimSettings& settings,
                                                        const std::vector<double>& relaxed_by_day);

struct Report {
    std::string policy;
    std::string site_kind;              // "grid" or "genset"
    Metrics hashsink;
    Metrics threshold;
    Metrics export_follower;
    std::optional<Metrics> thermostat;  // with heat zones
    std::optional<Metrics> shared;      // several daemons sharing the site
};

// Whether the trace has what the heat zones need (outdoor or indoor temperatures).
Status check_inputs(const Trace& trace, const SimSettings& settings);

// The full evaluation: hashsink, both baselines and the oracle.
Report evaluate(const Trace& trace, const SimSettings& settings);
// One JSON object (as `simulate --json` prints).
std::string report_json(const Report& report, const std::string& trace_name);
std::string report_text(const Report& report, const std::string& trace_name);

}  // namespace hashsink::sim
