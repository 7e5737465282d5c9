// Where a month's energy is lost: replays one month trace through hashsink (as bench/months
// does) and splits, day by day, what the fleet could have drawn but did not into what the
// fleet was doing at the time.
//   build/bench/month_losses --trace NAME [--site free_export|zero_export|battery]
//                            [--ticks YYYY-MM-DD] [--config FILE] [REPO_ROOT]
// --ticks prints that day's run/pause changes and a line a minute: the true surplus, the fleet's
// draw above idle, the grid, a modelled battery's power (+ discharge) and charge, and each
// miner's target (- paused).
// Per tick, `reachable` is the largest total the fleet's levels allow under the surplus (and
// max_draw_w), the relaxed oracle's choice; what it leaves above the absorbed power is lost, and
// is counted as:
//   stopped   no miner told to run (the fleet waits for enable_delay, or stopped);
//   starting  a miner with a start delay started less than its start delay and 3 time
//             constants ago (it draws idle, then ramps);
//   paused    a paused miner's lowest level would have fitted in the unused surplus;
//   held      the rest: the running miners below the surplus (reserve, dead band, probe steps,
//             back-offs, levels that do not fit).
// `short` counts runs of a miner that ended within 5 minutes of their start.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "daemon/app/catalog.hpp"
#include "daemon/core/log.hpp"
#include "daemon/loop/allocator.hpp"
#include "sim/days.hpp"
#include "sim/simulator.hpp"

using namespace hashsink;

namespace {

constexpr double kBinW = 10;
constexpr double kShortRunS = 300;

// The largest fleet total (above idle) at most w, on a kBinW grid.
class Reachable {
public:
    explicit Reachable(const sim::SimSettings& settings) {
        std::vector<char> reach(1, 1);
        for (std::size_t i = 0; i < settings.miners.size(); ++i) {
            miners::simulated::MinerModel model(settings.miners[i].model, i + 1);
            MinerView v;
            v.id = settings.miners[i].id;
            v.caps = miners::simulated::model_caps(settings.miners[i].model);
            v.max_power_w = settings.miners[i].max_power_w;
            v.min_power_w = settings.miners[i].min_power_w;
            const double idle = model.config().idle_w;
            auto levels = loop::allowed_levels(v);
            std::vector<std::pair<std::size_t, std::size_t>> choices{{0, 0}};
            for (const auto& l : levels)
                choices.push_back({bin(l.power_w - idle), bin(l.power_w - idle)});
            if (v.caps.continuous_power && !levels.empty())
                choices.push_back(
                    {bin(levels.front().power_w - idle), bin(levels.back().power_w - idle)});
            std::size_t top = 0;
            for (const auto& c : choices) top = std::max(top, c.second);
            std::vector<char> next(reach.size() + top, 0);
            for (std::size_t b = 0; b < reach.size(); ++b)
                if (reach[b])
                    for (const auto& c : choices)
                        for (std::size_t k = c.first; k <= c.second; ++k) next[b + k] = 1;
            reach = std::move(next);
        }
        best_.assign(reach.size(), 0);
        for (std::size_t b = 0; b < reach.size(); ++b)
            best_[b] = reach[b] ? b : (b > 0 ? best_[b - 1] : 0);
        max_draw_w_ = settings.loop.limits.max_draw_w;
    }
    double under(double w) const {
        if (max_draw_w_ > 0) w = std::min(w, max_draw_w_);
        if (w <= 0) return 0;
        const auto b = std::min(best_.size() - 1, static_cast<std::size_t>(w / kBinW));
        return static_cast<double>(best_[b]) * kBinW;
    }

private:
    static std::size_t bin(double w) {
        return static_cast<std::size_t>(std::max(0.0, w) / kBinW + 0.5);
    }
    std::vector<std::size_t> best_;
    double max_draw_w_ = 0;
};

enum Cause { stopped, starting, paused, held, kCauses };
constexpr const char* kCauseNames[] = {"stopped", "starting", "paused", "held"};

struct Day {
    double absorbed_kwh = 0, reachable_kwh = 0, import_wh = 0;
    double lost_kwh[kCauses] = {};
    std::vector<int> starts, short_runs;
};

// Wraps the daemon's controller and remembers what each miner was told this tick.
class Watch final : public sim::Controller {
public:
    Watch(const sim::SimSettings& settings) : inner_(sim::make_hashsink_controller(settings)) {
        for (const auto& m : settings.miners) {
            miners::simulated::MinerModel model(m.model, 1);
            start_s_.push_back(m.model.start_delay_s + 3 * m.model.response_s);
            idle_w_.push_back(model.config().idle_w);
            lowest_w_.push_back(0);
        }
        run_.assign(start_s_.size(), false);
        run_since_.assign(start_s_.size(), -1e18);
    }
    std::string name() const override { return inner_->name(); }
    std::vector<MinerTarget> decide(const SiteSnapshot& snap) override {
        now_s_ = static_cast<double>(unix_ms(snap.now)) / 1000;
        auto targets = inner_->decide(snap);
        started_.clear();
        ended_short_.clear();
        for (std::size_t i = 0; i < targets.size() && i < run_.size(); ++i) {
            auto levels = loop::allowed_levels(snap.miners[i]);
            lowest_w_[i] = levels.empty() ? 1e18 : levels.front().power_w - idle_w_[i];
            if (targets[i].run && !run_[i]) run_since_[i] = now_s_, started_.push_back(i);
            if (!targets[i].run && run_[i] && now_s_ - run_since_[i] < kShortRunS)
                ended_short_.push_back(i);
            run_[i] = targets[i].run;
        }
        targets_ = targets;
        return targets;
    }
    Cause cause(double unused_w) const {
        if (std::none_of(run_.begin(), run_.end(), [](bool r) { return r; })) return stopped;
        for (std::size_t i = 0; i < run_.size(); ++i)
            if (run_[i] && start_s_[i] > 10 && now_s_ - run_since_[i] < start_s_[i])
                return starting;
        for (std::size_t i = 0; i < run_.size(); ++i)
            if (!run_[i] && lowest_w_[i] <= unused_w) return paused;
        return held;
    }
    std::vector<std::size_t> started_, ended_short_;
    std::vector<MinerTarget> targets_;

private:
    std::unique_ptr<sim::Controller> inner_;
    std::vector<double> start_s_, idle_w_, lowest_w_, run_since_;
    std::vector<bool> run_;
    double now_s_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
    log::set_level(log::Level::error);
    std::string trace_name, ticks_date, config, site = "free_export", root = HASHSINK_SOURCE_DIR;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--trace") == 0 && i + 1 < argc)
            trace_name = argv[++i];
        else if (std::strcmp(argv[i], "--site") == 0 && i + 1 < argc)
            site = argv[++i];
        else if (std::strcmp(argv[i], "--ticks") == 0 && i + 1 < argc)
            ticks_date = argv[++i];
        else if (std::strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            config = argv[++i];
        else
            root = argv[i];
    }
    if (trace_name.empty() ||
        (site != "free_export" && site != "zero_export" && site != "battery")) {
        std::fprintf(stderr,
                     "usage: month_losses --trace NAME [--site free_export|zero_export|battery]\n");
        return 64;
    }
    auto trace = sim::load_trace(root + "/data/months/" + trace_name + ".csv");
    if (!trace) {
        std::fprintf(stderr, "%s\n", trace.error().message.c_str());
        return 65;
    }
    const auto catalog = app::build_catalog();
    if (config.empty())
        config = root +
                 (site == "battery" ? "/examples/solar-battery.toml" : "/examples/solar-home.toml");
    auto loaded = config::load_file(config, catalog);
    if (!loaded.ok()) {
        std::fprintf(stderr, "%s does not load\n", config.c_str());
        return 78;
    }
    auto settings = sim::settings_from_config(*loaded.config);
    if (!settings) return 78;
    if (site == "zero_export")
        trace->columns[static_cast<std::size_t>(sim::Column::export_limit_w)].assign(
            trace->time_s.size(), 0.0);

    const sim::DaySplit split(*trace);
    std::vector<Day> days(split.count());
    for (auto& d : days) d.starts.assign(settings->miners.size(), 0), d.short_runs = d.starts;
    const Reachable reachable(*settings);
    Watch watch(*settings);
    const double h =
        std::max(0.1, std::chrono::duration<double>(settings->loop.period).count()) / 3600;
    std::vector<bool> last_run;
    auto changed = [&](const std::vector<MinerTarget>& targets) {
        std::vector<bool> run;
        for (const auto& t : targets) run.push_back(t.run);
        const bool c = run != last_run;
        last_run = run;
        return c;
    };
    sim::RunOptions options;
    options.on_tick = [&](const sim::TickSample& s) {
        Day& d = days[split.index(s.t_s)];
        const double absorbed = std::min(s.fleet_w, s.surplus_w);
        const double reach = reachable.under(s.surplus_w);
        d.absorbed_kwh += absorbed * h / 1000;
        d.reachable_kwh += reach * h / 1000;
        d.import_wh += (s.fleet_w - absorbed) * h;
        if (reach > absorbed)
            d.lost_kwh[watch.cause(s.surplus_w - absorbed)] += (reach - absorbed) * h / 1000;
        for (auto i : watch.started_) d.starts[i] += 1;
        for (auto i : watch.ended_short_) d.short_runs[i] += 1;
        if (!ticks_date.empty() && split.date(split.index(s.t_s)) == ticks_date &&
            (!watch.started_.empty() || !watch.ended_short_.empty() || std::fmod(s.t_s, 60) < 0.5 ||
             changed(watch.targets_))) {
            const auto t = static_cast<long>(s.t_s) % 86400;
            std::printf("%02ld:%02ld:%02ld surplus %6.0f fleet %6.0f grid %6.0f |", t / 3600,
                        t / 60 % 60, t % 60, s.surplus_w, s.fleet_w, s.grid_w);
            if (s.battery_w)
                std::printf(" battery %6.0f soc %5.1f |", *s.battery_w, *s.battery_soc_pct);
            for (const auto& target : watch.targets_)
                target.run ? std::printf(" %5.0f", target.power_w) : std::printf(" %5s", "-");
            std::printf("\n");
        }
    };
    const auto metrics = sim::run(*trace, *settings, watch, options);
    const auto oracle = sim::oracle_absorbed_kwh_by_day(*trace, *settings);

    std::printf("%s %s: lost = reachable - absorbed, kWh\n", trace_name.c_str(), site.c_str());
    std::printf("%-10s %7s %7s %7s %6s %6s", "date", "oracle", "reach", "absorb", "ratio", "lost");
    for (const char* c : kCauseNames) std::printf(" %8s", c);
    std::printf(" %7s  starts/short-runs by miner\n", "imp Wh");
    Day total;
    total.starts.assign(settings->miners.size(), 0), total.short_runs = total.starts;
    for (std::size_t i = 0; i < days.size(); ++i) {
        const Day& d = days[i];
        const double lost = d.reachable_kwh - d.absorbed_kwh;
        std::printf("%-10s %7.2f %7.2f %7.2f %6.3f %6.2f", split.date(i).c_str(), oracle[i],
                    d.reachable_kwh, d.absorbed_kwh, oracle[i] > 0 ? d.absorbed_kwh / oracle[i] : 1,
                    lost);
        for (int c = 0; c < kCauses; ++c)
            std::printf(" %8.2f", d.lost_kwh[c]), total.lost_kwh[c] += d.lost_kwh[c];
        std::printf(" %7.0f ", d.import_wh);
        for (std::size_t m = 0; m < d.starts.size(); ++m) {
            if (d.starts[m] > 0)
                std::printf(" %s %d/%d", settings->miners[m].id.c_str(), d.starts[m],
                            d.short_runs[m]);
            total.starts[m] += d.starts[m], total.short_runs[m] += d.short_runs[m];
        }
        std::printf("\n");
        total.absorbed_kwh += d.absorbed_kwh, total.reachable_kwh += d.reachable_kwh,
            total.import_wh += d.import_wh;
    }
    double oracle_sum = 0;
    for (double o : oracle) oracle_sum += o;
    std::printf("%-10s %7.1f %7.1f %7.1f %6.3f %6.1f", "month", oracle_sum, total.reachable_kwh,
                total.absorbed_kwh, total.absorbed_kwh / oracle_sum,
                total.reachable_kwh - total.absorbed_kwh);
    for (int c = 0; c < kCauses; ++c) std::printf(" %8.1f", total.lost_kwh[c]);
    std::printf(" %7.0f ", total.import_wh);
    for (std::size_t m = 0; m < total.starts.size(); ++m)
        std::printf(" %s %d/%d", settings->miners[m].id.c_str(), total.starts[m],
                    total.short_runs[m]);
    std::printf("\n(absorbed by the run: %.1f kWh)\n", metrics.absorbed_kwh);
    return 0;
}
