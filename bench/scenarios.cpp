// Scores hashsink against both baselines and the oracle on every scenario in data/scenarios.
//   build/bench/scenarios [REPO_ROOT]
// Prints one row per scenario and controller: oracle_ratio, import_wh (and its share of the
// absorbed energy), genset_overload_s, switches per miner and day; then the targets.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "daemon/app/catalog.hpp"
#include "daemon/core/log.hpp"
#include "sim/simulator.hpp"

using namespace hashsink;

namespace {

struct Scenario {
    const char* name;
    const char* config;
    bool solar;
    const char* trace = nullptr;   // data/scenarios/<trace>.csv; null: the scenario's name
    bool heat = false;   // scored on comfort, switches and value against the thermostat
};

constexpr Scenario kScenarios[] = {
    {"clear_clipping", "examples/solar-home.toml", true},
    {"cloudy_ramps", "examples/solar-home.toml", true},
    {"export_limited", "examples/solar-home.toml", true},
    {"negative_prices", "examples/solar-home.toml", true},
    // The clear day again, with a modelled 10 kWh battery that charges first.
    {"battery_home", "examples/solar-battery.toml", true, "clear_clipping"},
    {"flare_gas", "examples/flare-gas.toml", false},
    {"winter_days", "examples/winter-heating.toml", true, nullptr, true},
};

void heat_row(const char* scenario, const char* who, const sim::Metrics& m) {
    if (!m.heat) return;
    const auto& h = *m.heat;
    std::printf("%-16s %-24s %9.2f %9.1f %9.1f %9.2f %9.2f %9.2f %9.2f %9.1f\n", scenario, who,
                h.comfort_violation_kh, h.heat_delivered_kwh, h.heat_wanted_kwh, h.heat_value,
                m.revenue, m.revenue + h.heat_value, m.revenue + h.heat_value - m.energy_cost,
                m.switches_per_miner_day);
}

// Heat targets (issue "heat is the second product"): the policy holds the band at least as
// well as an on/off thermostat (violation no more than 10 % or 0.5 K·h above it), with fewer
// switches and a higher combined value (hash revenue + heat value).
std::vector<std::string> heat_misses(const sim::Report& r) {
    std::vector<std::string> missed;
    if (!r.thermostat || !r.hashsink.heat || !r.thermostat->heat) return {"no heat zones"};
    const auto& h = r.hashsink;
    const auto& t = *r.thermostat;
    if (h.heat->comfort_violation_kh > std::max(t.heat->comfort_violation_kh * 1.1,
                                                t.heat->comfort_violation_kh + 0.5))
        missed.push_back("band held worse than the thermostat");
    if (h.switches_per_miner_day >= t.switches_per_miner_day)
        missed.push_back("not fewer switches than the thermostat");
    if (h.revenue + h.heat->heat_value <= t.revenue + t.heat->heat_value)
        missed.push_back("combined value not above the thermostat");
    return missed;
}

void row(const char* scenario, const char* who, const sim::Metrics& m) {
    const double import_pct = m.absorbed_kwh > 0 ? 100 * m.import_wh / 1000 / m.absorbed_kwh : 0;
    char band[16] = "-";
    if (m.genset_band_pct) std::snprintf(band, sizeof band, "%.1f", *m.genset_band_pct);
    std::printf("%-16s %-24s %8.3f %9.2f %10.1f %7.3f %10.0f %6d %7s %9.1f\n", scenario, who,
                m.oracle_ratio, m.absorbed_kwh, m.import_wh, import_pct, m.genset_overload_s,
                m.genset_trips, band, m.switches_per_miner_day);
}

}  // namespace

int main(int argc, char** argv) {
    log::set_level(log::Level::error);
    const std::string root = argc > 1 ? argv[1] : HASHSINK_SOURCE_DIR;
    const auto catalog = app::build_catalog();
    std::printf("%-16s %-24s %8s %9s %10s %7s %10s %6s %7s %9s\n", "scenario", "controller",
                "oracle", "absorbed", "import", "import", "overload", "trips", "band", "switches");
    std::printf("%-16s %-24s %8s %9s %10s %7s %10s %6s %7s %9s\n", "", "", "ratio", "kWh", "Wh",
                "%abs", "s", "", "%", "/miner/d");
    int misses = 0;
    for (const auto& s : kScenarios) {
        auto loaded = config::load_file(root + "/" + s.config, catalog);
        if (!loaded.ok()) {
            std::printf("%-16s skipped: %s does not load (%s)\n", s.name, s.config,
                        loaded.diagnostics.empty() ? "?" : loaded.diagnostics.front().format().c_str());
            continue;
        }
        auto settings = sim::settings_from_config(*loaded.config);
        if (!settings) {
            std::printf("%-16s skipped: %s\n", s.name, settings.error().message.c_str());
            continue;
        }
        auto trace = sim::load_trace(root + "/data/scenarios/" + (s.trace ? s.trace : s.name) + ".csv");
        if (!trace) {
            std::printf("%-16s skipped: %s\n", s.name, trace.error().message.c_str());
            continue;
        }
        const auto t0 = std::chrono::steady_clock::now();
        if (auto st = sim::check_inputs(*trace, *settings); !st) {
            std::printf("%-16s skipped: %s\n", s.name, st.message.c_str());
            continue;
        }
        auto r = sim::evaluate(*trace, *settings);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        row(s.name, ("hashsink/" + r.policy).c_str(), r.hashsink);
        row(s.name, "threshold", r.threshold);
        row(s.name, "export_follower", r.export_follower);
        if (r.thermostat) row(s.name, "thermostat", *r.thermostat);
        if (s.heat) {
            std::printf("%-16s %-24s %9s %9s %9s %9s %9s %9s %9s %9s\n", "", "heat:", "violation",
                        "delivered", "wanted", "heat", "revenue", "combined", "net", "switches");
            std::printf("%-16s %-24s %9s %9s %9s %9s %9s %9s %9s %9s\n", "", "", "K·h", "kWh",
                        "kWh", "value", "", "", "", "/miner/d");
            heat_row(s.name, ("hashsink/" + r.policy).c_str(), r.hashsink);
            heat_row(s.name, "threshold", r.threshold);
            heat_row(s.name, "export_follower", r.export_follower);
            if (r.thermostat) heat_row(s.name, "thermostat", *r.thermostat);
            auto missed = heat_misses(r);
            std::string verdict = missed.empty() ? "heat targets met" : "MISSED:";
            for (const auto& m : missed) verdict += " " + m + ";";
            misses += missed.empty() ? 0 : 1;
            std::printf("%-16s %s  (%.1f h simulated in %.2f s)\n\n", s.name, verdict.c_str(),
                        r.hashsink.hours, secs);
            continue;
        }
        std::vector<std::string> missed;
        const auto& h = r.hashsink;
        if (s.solar && h.oracle_ratio < 0.97) missed.push_back("oracle_ratio < 0.97");
        if (s.solar && h.import_wh / 1000 > 0.005 * h.absorbed_kwh) missed.push_back("import > 0.5 %");
        if (h.genset_overload_s > 0) missed.push_back("generator overload");
        if (h.genset_trips > 0) missed.push_back("generator trips");
        for (const auto* b : {&r.threshold, &r.export_follower}) {
            // On a generator site, never overloading against a baseline that does (and trips
            // the generator) is a win whatever the energy.
            const bool safer = !s.solar && h.genset_overload_s == 0 && b->genset_overload_s > 0;
            const bool better = safer ||
                                h.absorbed_without_import_kwh > b->absorbed_without_import_kwh * 1.02 ||
                                (h.absorbed_without_import_kwh >= b->absorbed_without_import_kwh * 0.99 &&
                                 h.import_wh < b->import_wh * 0.5 &&
                                 h.genset_overload_s <= b->genset_overload_s);
            if (!better) missed.push_back(b == &r.threshold ? "threshold not beaten" : "export_follower not beaten");
        }
        std::string verdict = missed.empty() ? "all targets met" : "MISSED:";
        for (const auto& m : missed) verdict += " " + m + ";";
        misses += missed.empty() ? 0 : 1;
        std::printf("%-16s %s  (%.1f h simulated in %.2f s)\n\n", s.name, verdict.c_str(), h.hours, secs);
    }
    std::printf("targets: solar oracle_ratio >= 0.97, import <= 0.5 %% of absorbed, no generator "
                "overload, both baselines beaten (more import-free absorption, or as much with "
                "under half the import; on a generator site, no overload where the baseline overloads); "
                "heat: the band held as well as the on/off thermostat, fewer switches, higher "
                "revenue + heat value\n");
    return misses == 0 ? 0 : 1;
}
