// Scores hashsink and the export follower on the month-long traces in data/months
// (data/months/SOURCES.md), each as three sites: free export, zero export and with a battery.
//   build/bench/months [--holdout] [--trace NAME] [--site NAME] [REPO_ROOT]
// Prints one row per trace, site and controller: the month's oracle ratio, the worst day's and
// the 10th percentile day's, the month's and the worst day's against the physical oracle,
// import as a share of the absorbed energy, and switches per miner-day (the fleet's mean and
// its busiest miner's). The held-out traces run only with
// --holdout: they are for checking, never for tuning.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "daemon/app/catalog.hpp"
#include "daemon/core/log.hpp"
#include "sim/simulator.hpp"

using namespace hashsink;

namespace {

struct MonthTrace {
    const char* name;
    bool holdout;
};

constexpr MonthTrace kTraces[] = {
    {"nrel_2018sep", false}, {"nrel_2023jun", false}, {"zt_2019may", false},
    {"nrel_2023jan", true},  {"taefc_2016jul", true},
};

struct Site {
    const char* name;
    const char* config;
    bool zero_export;
};

constexpr Site kSites[] = {
    {"free_export", "examples/solar-home.toml", false},
    {"zero_export", "examples/solar-home.toml", true},
    {"battery", "examples/solar-battery.toml", false},
};

// Days with less than this to absorb are left out of the spread: their ratio is noise.
constexpr double kScoredDayKwh = 1.0;

struct Spread {
    double worst = 1, p10 = 1, physical_worst = 1;
    std::size_t scored = 0, days = 0;
};

Spread spread_of(const sim::Metrics& m) {
    std::vector<double> ratios, physical;
    for (const auto& d : m.days)
        if (d.oracle_absorbed_kwh >= kScoredDayKwh) {
            ratios.push_back(d.oracle_ratio);
            physical.push_back(d.physical_oracle_ratio);
        }
    Spread s;
    s.days = m.days.size();
    s.scored = ratios.size();
    if (ratios.empty()) return s;
    std::sort(ratios.begin(), ratios.end());
    s.worst = ratios.front();
    s.p10 = ratios[ratios.size() / 10];
    s.physical_worst = *std::min_element(physical.begin(), physical.end());
    return s;
}

void row(const char* trace, const char* site, const char* who, const sim::Metrics& m) {
    const Spread s = spread_of(m);
    const double import_pct = m.absorbed_kwh > 0 ? 100 * m.import_wh / 1000 / m.absorbed_kwh : 0;
    std::printf(
        "%-14s %-12s %-23s %7.3f %7.3f %7.3f %7.3f %7.3f %9.1f %7.3f %8.1f %8.1f %3zu/%zu\n", trace,
        site, who, m.oracle_ratio, s.worst, s.p10, m.physical_oracle_ratio, s.physical_worst,
        m.absorbed_kwh, import_pct, m.switches_per_miner_day, m.max_miner_switches_per_day,
        s.scored, s.days);
}

}  // namespace

int main(int argc, char** argv) {
    log::set_level(log::Level::error);
    bool holdout = false;
    std::string only, only_site, root = HASHSINK_SOURCE_DIR;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--holdout") == 0)
            holdout = true;
        else if (std::strcmp(argv[i], "--trace") == 0 && i + 1 < argc)
            only = argv[++i];
        else if (std::strcmp(argv[i], "--site") == 0 && i + 1 < argc)
            only_site = argv[++i];
        else
            root = argv[i];
    }
    const auto catalog = app::build_catalog();
    std::printf("%-14s %-12s %-23s %7s %7s %7s %7s %7s %9s %7s %8s %8s %s\n", "trace", "site",
                "controller", "oracle", "worst", "p10", "phys", "phys", "absorbed", "import",
                "switches", "busiest", "days");
    std::printf("%-14s %-12s %-23s %7s %7s %7s %7s %7s %9s %7s %8s %8s %s\n", "", "", "", "ratio",
                "day", "day", "ratio", "worst", "kWh", "%abs", "/miner/d", "/d", "scored");
    for (const auto& t : kTraces) {
        if (t.holdout && !holdout && only != t.name) continue;
        if (!only.empty() && only != t.name) continue;
        auto trace = sim::load_trace(root + "/data/months/" + t.name + ".csv");
        if (!trace) {
            std::printf("%-14s skipped: %s\n", t.name, trace.error().message.c_str());
            continue;
        }
        for (const auto& s : kSites) {
            if (!only_site.empty() && only_site != s.name) continue;
            auto loaded = config::load_file(root + "/" + s.config, catalog);
            if (!loaded.ok()) {
                std::printf("%-14s %-12s skipped: %s does not load\n", t.name, s.name, s.config);
                continue;
            }
            auto settings = sim::settings_from_config(*loaded.config);
            if (!settings) {
                std::printf("%-14s %-12s skipped: %s\n", t.name, s.name,
                            settings.error().message.c_str());
                continue;
            }
            sim::Trace site_trace = *trace;
            if (s.zero_export)
                site_trace.columns[static_cast<std::size_t>(sim::Column::export_limit_w)].assign(
                    site_trace.time_s.size(), 0.0);
            const auto t0 = std::chrono::steady_clock::now();
            const auto r = sim::evaluate(site_trace, *settings);
            const double secs =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            row(t.name, s.name, ("hashsink/" + r.policy).c_str(), r.hashsink);
            row(t.name, s.name, "export_follower", r.export_follower);
            std::printf("%-14s %-12s (%.0f h simulated in %.0f s)\n", t.name, s.name,
                        r.hashsink.hours, secs);
            std::fflush(stdout);
        }
        std::printf("\n");
    }
    return 0;
}
