// hashsink simulate: replays a trace through the daemon's decision code and scores it.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "daemon/app/catalog.hpp"
#include "daemon/cli/cli.hpp"
#include "daemon/cli/commands.hpp"
#include "daemon/core/log.hpp"
#include "sim/simulator.hpp"

namespace hashsink::app {
namespace {

const std::vector<OptionSpec> kSpecs = {
    {"trace", "CSV", "the site's time series (required; docs/simulator.md lists the columns)"},
    {"config", "FILE", "the site's TOML config: governor, policy and miners (required)"},
    {"policy", "NAME", "decide with this policy instead of [policy] use"},
    {"json", "", "print one JSON object instead of a table"},
    {"pv-kwp", "KWP", "irradiance-only traces: the array's DC size (default 10)"},
    {"inverter-ac-max-w", "W", "the inverter's AC rating when the trace has no column for it"},
    {"hashprice", "PER_TH_DAY", "hashprice when the trace has no column for it (default 0.05)"},
    {"shares", "N",
     "also run N daemons sharing the site, its budget split over MQTT "
     "(docs/fleet.md)",
     IntRange{1, 64, 0}},
    {"share-heartbeat", "DURATION",
     "with --shares: a member without a share this long falls "
     "to its failsafe (default 10s)",
     DurationRange{std::chrono::seconds(1), std::chrono::hours(1), "10s"}},
    {"share-failsafe-w", "W",
     "with --shares: the site's failsafe draw, split like the shares "
     "(default 0)"},
    {"share-link-down", "FROM:TO",
     "with --shares: seconds since the trace's start when no "
     "share arrives"},
};

std::optional<double> number_arg(const Args& args, const std::string& name, std::string& error) {
    if (!args.has(name)) return std::nullopt;
    const std::string v = args.get(name);
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d) || d < 0) {
        error = "--" + name + ": expected a number >= 0, got '" + v + "'";
        return std::nullopt;
    }
    return d;
}

}  // namespace

int cmd_simulate(const CommandArgs& argv) {
    const Command cmd("simulate", "simulate --trace CSV --config FILE [--policy NAME] [--json]",
                      "Replays a trace through the policy, allocator and governor with modelled "
                      "miners; scores it against two baselines and the oracle.",
                      kSpecs, argv);
    if (auto code = cmd.early_exit()) return *code;
    const Args& args = cmd.args();
    if (!args.has("trace") || !args.has("config"))
        return cmd.usage_error("--trace CSV and --config FILE are required");
    log::set_level(log::Level::warning);

    auto loaded = config::load_file(args.get("config"), build_catalog());
    if (!loaded.ok()) {
        for (const auto& d : loaded.diagnostics) std::cerr << d.format() << "\n";
        return config::kExitConfig;
    }
    auto settings = sim::settings_from_config(*loaded.config, args.get("policy"));
    if (!settings) {
        std::cerr << "hashsink " << settings.error().message << "\n";
        return kExitUsage;
    }
    std::string error;
    if (auto v = number_arg(args, "pv-kwp", error)) settings->pv.kwp = *v;
    if (auto v = number_arg(args, "inverter-ac-max-w", error)) settings->pv.inverter_ac_max_w = *v;
    if (auto v = number_arg(args, "hashprice", error)) settings->hashprice_per_th_day = *v;
    if (auto v = number_arg(args, "share-failsafe-w", error)) settings->shared.failsafe_w = *v;
    if (!error.empty()) return cmd.fail(error, kExitUsage);
    auto shares = cmd.int_value("shares");
    auto heartbeat = cmd.duration_value("share-heartbeat");
    if (!shares || !heartbeat) return kExitUsage;
    settings->shared.members = static_cast<int>(*shares);
    settings->shared.heartbeat = *heartbeat;
    if (args.has("share-link-down")) {
        const std::string v = args.get("share-link-down");
        double from = 0, to = 0;
        char tail = 0;
        if (std::sscanf(v.c_str(), "%lf:%lf%c", &from, &to, &tail) != 2 || from < 0 || to <= from)
            return cmd.usage_error("--share-link-down: expected FROM:TO seconds, FROM < TO");
        settings->shared.link_down_s.emplace_back(from, to);
    }

    auto trace = sim::load_trace(args.get("trace"));
    if (!trace) return cmd.fail(trace.error().message, kExitDataErr);
    if (auto st = sim::check_inputs(*trace, *settings); !st)
        return cmd.fail(st.message, kExitDataErr);
    auto report = sim::evaluate(*trace, *settings);
    if (args.has("json"))
        std::cout << sim::report_json(report, args.get("trace")) << "\n";
    else
        std::cout << sim::report_text(report, args.get("trace"));
    return 0;
}

}  // namespace hashsink::app
