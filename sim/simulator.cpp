#include "sim/simulator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "daemon/loop/allocator.hpp"
#include "policies/heat_demand/heat_demand.hpp"
#include "policies/registry.hpp"
#include "sim/days.hpp"
#include "sim/driver_models.hpp"
#include "sim/physical_oracle.hpp"
#include "sim/site_battery.hpp"
#include "sim/site_model.hpp"

namespace hashsink::sim {
namespace {

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

MinerView view_of(const SimMiner& m, const miners::simulated::MinerModel& model) {
    MinerView v;
    v.id = m.id;
    v.caps = model.caps();
    v.state_fresh = true;
    v.max_power_w = m.max_power_w;
    v.min_power_w = m.min_power_w;
    return v;
}

BatterySpec battery_spec(const config::SiteSection& site) {
    BatterySpec b;
    b.capacity_kwh = site.battery_kwh;
    b.max_charge_w = site.battery_power_w;
    b.max_discharge_w = b.max_charge_w;
    b.efficiency = site.battery_efficiency;
    b.initial_soc_pct = site.battery_soc_pct;
    return b;
}

GensetTripSpec genset_trip_spec(const config::SiteSection& site) {
    GensetTripSpec g;
    g.enabled = true;
    g.trip_after_s = seconds(site.genset_trip_after);
    g.trip_frequency_hz = site.genset_trip_hz;
    g.restart_s = seconds(site.genset_restart);
    return g;
}

}  // namespace

Result<SimSettings> settings_from_config(const config::SiteConfig& cfg,
                                         const std::string& policy_override) {
    SimSettings s;
    const config::SiteSection site = config::site_settings().from(cfg.site);
    s.loop = config::loop_settings(cfg);
    s.miner_poll = site.miner_poll_interval;

    s.policy = policy_override.empty() ? cfg.policy : policy_override;
    const auto* type = policies::find_policy_type(s.policy);
    if (type == nullptr) {
        std::string known;
        for (const auto& t : policies::policy_types()) known += (known.empty() ? "" : ", ") + t.name;
        return Status::error(ErrorCode::invalid, "simulate: unknown policy '" + s.policy + "' (known: " + known + ")",
                             false);
    }
    s.policy_tables = cfg.policy_tables;
    s.time_zone = cfg.time_zone;
    auto table = cfg.policy_tables.find(s.policy);
    s.policy_options = table != cfg.policy_tables.end() ? table->second
                       : s.policy == cfg.policy        ? cfg.policy_options
                                                       : with_defaults(type->keys);

    // A generator policy's own band is the one to score.
    if (auto v = s.policy_options.find_number("band_low_pct")) s.band_low_pct = *v;
    if (auto v = s.policy_options.find_number("band_high_pct")) s.band_high_pct = *v;
    if (auto v = s.policy_options.find_number("nominal_frequency_hz")) s.genset_frequency_hz = *v;

    s.battery = battery_spec(site);
    // The policy's own battery rule is the one to score.
    if (auto v = s.policy_options.find_number("battery_full_soc_pct")) s.battery.full_soc_pct = *v;
    if (!s.policy_options.get_bool("battery_reserve_charge", true)) s.battery.full_soc_pct = 0;
    s.genset_trip = genset_trip_spec(site);

    for (const auto& m : cfg.miners) {
        const auto common = config::miner_settings().from(m.common);
        if (!common.enabled) continue;
        SimMiner sm;
        sm.id = m.id;
        sm.max_power_w = common.max_power_w;
        sm.min_power_w = common.min_power_w;
        if (auto model = model_for_driver(m.kind, m.options)) {
            sm.model = *model;
        } else {
            return Status::error(ErrorCode::unsupported,
                                 "simulate: miner " + m.id + ": driver '" + m.kind +
                                     "' has no model; use driver = \"simulated\" with a model",
                                 false);
        }
        s.miners.push_back(std::move(sm));
    }
    if (s.miners.empty())
        return Status::error(ErrorCode::invalid, "simulate: the config has no enabled miner", false);
    // Heat zones are physical: they are modelled whichever policy decides.
    if (auto hd = cfg.policy_tables.find("heat_demand"); hd != cfg.policy_tables.end())
        s.heat_zones = policies::HeatDemandSettings::from(hd->second, cfg.time_zone).zones;
    for (const auto& b : cfg.simulate_buildings) {
        const std::string zone = b.options.get_string("zone");
        const bool known = std::any_of(s.heat_zones.begin(), s.heat_zones.end(),
                                       [&](const policies::HeatZone& z) { return z.id == zone; });
        if (!known) {
            std::string ids;
            for (const auto& z : s.heat_zones) ids += (ids.empty() ? "" : ", ") + z.id;
            return Status::error(ErrorCode::invalid,
                                 "simulate: " + b.where.file + ":" + std::to_string(b.where.line) +
                                     ": simulate.buildings: zone '" + zone +
                                     "' is not a [[policy.heat_demand.zones]] id (" +
                                     (ids.empty() ? std::string("there are none") : "known: " + ids) + ")",
                                 false);
        }
        BuildingParams p;
        p.zone = b.options.get_string("zone");
        p.ua_w_per_k = b.options.get_number("ua_w_per_k");
        p.capacity_kwh_per_k = b.options.get_number("capacity_kwh_per_k");
        p.initial_c = b.options.find_number("initial_c");
        s.buildings.push_back(std::move(p));
    }
    return s;
}

Metrics run(const Trace& trace, const SimSettings& settings, Controller& controller,
            const RunOptions& options) {
    const double dt = std::max(0.1, seconds(settings.loop.period));
    const double poll_s = std::max(dt, seconds(settings.miner_poll));
    const std::size_t n = settings.miners.size();

    std::vector<miners::simulated::MinerModel> models;
    models.reserve(n);
    double idle_w = 0;
    for (std::size_t i = 0; i < n; ++i) {
        models.emplace_back(settings.miners[i].model, i + 1);
        idle_w += models.back().config().idle_w;
    }
    SiteModel site(trace, settings, idle_w);
    std::optional<BatteryModel> battery;
    if (settings.battery.capacity_kwh > 0 && !site.genset()) battery.emplace(settings.battery);
    std::optional<GensetTripModel> trip;
    if (site.genset() && settings.genset_trip.enabled) trip.emplace(settings.genset_trip);
    std::vector<std::string> miner_ids;
    for (const auto& sm : settings.miners) miner_ids.push_back(sm.id);
    HeatSim heat(trace, settings.heat_zones, settings.buildings, miner_ids);
    std::vector<double> miner_w(n, 0);

    SiteSnapshot snap;
    snap.miners.reserve(n);
    for (std::size_t i = 0; i < n; ++i) snap.miners.push_back(view_of(settings.miners[i], models[i]));
    // Day-ahead prices are known in advance: the whole trace is the schedule.
    auto slots = [&](Column c) {
        std::vector<ScheduleSlot> out;
        for (std::size_t i = 0; i + 1 < trace.time_s.size(); ++i)
            out.push_back({from_unix_ms(static_cast<std::int64_t>(trace.time_s[i] * 1000)),
                           from_unix_ms(static_cast<std::int64_t>(trace.time_s[i + 1] * 1000)),
                           trace.columns[static_cast<std::size_t>(c)][i]});
        return out;
    };
    if (trace.has(Column::price_per_kwh))
        snap.schedules[std::string(signal::kPriceImportPerKwh)] = slots(Column::price_per_kwh);
    if (trace.has(Column::feed_in_per_kwh))
        snap.schedules[std::string(signal::kPriceFeedInPerKwh)] = slots(Column::feed_in_per_kwh);

    Metrics m;
    const DaySplit split(trace);
    m.days.resize(split.count());
    for (std::size_t d = 0; d < m.days.size(); ++d) m.days[d].date = split.date(d);
    std::vector<double> miner_switches(n, 0);
    double fleet_w = idle_w;   // true draw, idle included
    double next_poll = trace.start_s();
    double band_ticks = 0, genset_ticks = 0;
    double switches = 0;
    const double end = trace.end_s();
    std::size_t ticks = 0;
    for (double t = trace.start_s(); t < end; t = trace.start_s() + static_cast<double>(++ticks) * dt) {
        SiteInputs in = site.inputs(t);
        const double available_w = in.surplus_w;
        const bool genset_down = trip && !trip->running(t);
        if (genset_down) {
            // Tripped: nothing to absorb (the gas flares) until it has restarted.
            in.capacity_w = 0;
            in.surplus_w = 0;
        }
        SiteFlows f = site.flows(in, fleet_w);
        if (genset_down) f.genset_load_w = 0;
        double battery_w = 0;
        if (battery) battery_w = apply_battery(*battery, site, in, f, fleet_w, dt);
        const TimePoint now = from_unix_ms(static_cast<std::int64_t>(std::llround(t * 1000)));
        snap.now = now;
        site.publish(in, f, now, snap);
        if (battery) publish_battery(*battery, battery_w, now, snap);
        heat.publish(t, now, snap);
        if (t >= next_poll - 1e-9) {
            for (std::size_t i = 0; i < n; ++i) {
                snap.miners[i].state = models[i].state();
                snap.miners[i].state_at = now;
            }
            next_poll += poll_s;
        }

        DayMetrics& day = m.days[split.index(t)];
        auto targets = controller.decide(snap);
        for (std::size_t i = 0; i < n && i < targets.size(); ++i) {
            MinerView& v = snap.miners[i];
            if (targets[i] == v.target) continue;
            if (targets[i].run != v.target.run) {
                switches += 1;
                miner_switches[i] += 1;
                day.switches_per_miner_day += 1.0 / static_cast<double>(n);
            }
            models[i].set_target(targets[i]);
            v.target = targets[i];
            v.target_since = now;
        }

        double hash = 0;
        fleet_w = 0;
        for (std::size_t i = 0; i < n; ++i) {
            models[i].advance(dt);
            miner_w[i] = models[i].power_w();
            fleet_w += miner_w[i];
            hash += models[i].hashrate_ths();
        }
        if (heat.active()) heat.advance(t, dt, miner_w, in.price_import);
        const double controlled_w = std::max(0.0, fleet_w - idle_w);
        const double absorbed_w = std::min(controlled_w, in.surplus_w);
        const double excess_w = controlled_w - absorbed_w;
        const double h = dt / 3600.0;
        m.available_surplus_kwh += (battery ? in.surplus_w : available_w) * h / 1000;
        m.absorbed_kwh += absorbed_w * h / 1000;
        day.absorbed_kwh += absorbed_w * h / 1000;
        day.hours += h;
        const bool clean = in.genset ? in.house_w + fleet_w <= in.capacity_w + 1e-6 : excess_w <= 1e-6;
        if (clean) {
            m.absorbed_without_import_kwh += absorbed_w * h / 1000;
            day.absorbed_without_import_kwh += absorbed_w * h / 1000;
        }
        m.fleet_kwh += controlled_w * h / 1000;
        m.revenue += hash * in.hashprice * dt / 86400.0;
        double load_pct = 0;
        if (in.genset && !genset_down) {
            const double load = in.house_w + fleet_w;
            if (trip) trip->observe(t, dt, load, in.capacity_w, in.frequency_hz);
            if (in.capacity_w > 0) {
                genset_ticks += 1;
                load_pct = 100 * load / in.capacity_w;
                if (load_pct >= settings.band_low_pct && load_pct <= settings.band_high_pct) band_ticks += 1;
            }
            if (load > in.capacity_w + 1e-6) m.genset_overload_s += dt;
        } else if (!in.genset) {
            m.import_wh += excess_w * h;
            day.import_wh += excess_w * h;
            m.peak_import_w = std::max(m.peak_import_w, excess_w);
            m.energy_cost += (excess_w * in.price_import + absorbed_w * in.price_feed_in) * h / 1000;
        }
        if (options.on_tick) {
            TickSample sample{t, in.surplus_w, controlled_w, f.grid_w, load_pct, {}, {}, {}};
            if (battery) {
                sample.battery_w = battery_w;
                sample.battery_soc_pct = battery->soc_pct();
            }
            for (std::size_t z = 0; z < settings.heat_zones.size(); ++z)
                sample.zone_temp_c.push_back(heat.temperature_c(z));
            options.on_tick(sample);
        }
    }
    m.hours = static_cast<double>(ticks) * dt / 3600;
    if (site.genset()) m.genset_band_pct = genset_ticks > 0 ? 100 * band_ticks / genset_ticks : 0;
    if (trip) m.genset_trips = trip->trips();
    const double days = m.hours / 24;
    m.switches_per_miner_day = n > 0 && days > 0 ? switches / static_cast<double>(n) / days : 0;
    for (std::size_t i = 0; days > 0 && i < n; ++i) {
        m.miner_switches_per_day[settings.miners[i].id] = miner_switches[i] / days;
        m.max_miner_switches_per_day =
            std::max(m.max_miner_switches_per_day, miner_switches[i] / days);
    }
    // A day's switches per miner, scaled to a whole day when the trace covers only part of it.
    for (auto& d : m.days)
        if (d.hours > 0) d.switches_per_miner_day *= 24 / d.hours;
    if (heat.active()) m.heat = heat.metrics();
    return m;
}

// The oracle. Every miner contributes 0 (paused) or one of its allowed levels (any value of
// its range if it takes a continuous target), less its idle draw. The set of fleet totals is
// built once by a subset-sum over a bitset (power quantised down to q watts, the rounding
// added back as slack so the bound stays an upper bound). Then, tick by tick, the fleet takes
// the largest total that fits under the surplus (and the site's max_draw_w). Start delays,
// response lag, dwell times and the governor's ramp limit are relaxed (ignored), which can only
// raise the bound: the baselines do not honour the ramp limit, and the bound must hold for
// them too.
double oracle_absorbed_kwh(const Trace& trace, const SimSettings& settings) {
    double kwh = 0;
    for (double d : oracle_absorbed_kwh_by_day(trace, settings)) kwh += d;
    return kwh;
}

std::vector<double> oracle_absorbed_kwh_by_day(const Trace& trace, const SimSettings& settings) {
    struct Choice { double lo, hi; };
    std::vector<std::vector<Choice>> fleet;
    double total_max = 0, idle_w = 0;
    for (std::size_t i = 0; i < settings.miners.size(); ++i) {
        miners::simulated::MinerModel model(settings.miners[i].model, i + 1);
        MinerView v = view_of(settings.miners[i], model);
        const double idle = model.config().idle_w;
        idle_w += idle;
        auto levels = loop::allowed_levels(v);
        std::vector<Choice> choices;
        for (const auto& l : levels) choices.push_back({std::max(0.0, l.power_w - idle), std::max(0.0, l.power_w - idle)});
        if (v.caps.continuous_power && !levels.empty())
            choices.push_back({std::max(0.0, levels.front().power_w - idle), std::max(0.0, levels.back().power_w - idle)});
        double top = 0;
        for (const auto& c : choices) top = std::max(top, c.hi);
        total_max += top;
        fleet.push_back(std::move(choices));
    }
    if (settings.loop.limits.max_draw_w > 0) total_max = std::min(total_max, settings.loop.limits.max_draw_w);
    const double q = std::max(0.1, total_max / 200'000);
    const std::size_t units = static_cast<std::size_t>(total_max / q) + 2;
    const std::size_t words = units / 64 + 1;
    auto units_of = [&](double w) { return static_cast<std::size_t>(std::floor(w / q + 1e-6)); };
    double slack_w = 0;

    std::vector<std::uint64_t> reach(words, 0), next(words), shifted(words);
    reach[0] = 1;
    auto shift_or = [&](const std::vector<std::uint64_t>& src, std::size_t by, std::vector<std::uint64_t>& dst) {
        const std::size_t ws = by / 64, bs = by % 64;
        for (std::size_t w = words; w-- > ws;) {
            std::uint64_t v = src[w - ws] << bs;
            if (bs && w - ws > 0) v |= src[w - ws - 1] >> (64 - bs);
            dst[w] |= v;
        }
    };
    for (const auto& choices : fleet) {
        next = reach;   // paused
        bool inexact = false;
        for (const auto& c : choices) {
            const std::size_t lo = units_of(c.lo), hi = units_of(c.hi);
            if (lo >= units) continue;
            if (std::abs(c.lo / q - std::round(c.lo / q)) > 1e-6) inexact = true;
            std::fill(shifted.begin(), shifted.end(), 0);
            shift_or(reach, lo, shifted);
            // A continuous range: OR the shifts lo..hi by doubling.
            std::size_t covered = 0;
            const std::size_t span = std::min(hi, units) - lo;
            while (covered < span) {
                std::size_t step = std::min(covered + 1, span - covered);
                std::vector<std::uint64_t> copy = shifted;
                shift_or(copy, step, shifted);
                covered += step;
            }
            for (std::size_t w = 0; w < words; ++w) next[w] |= shifted[w];
        }
        if (inexact) slack_w += q;
        reach.swap(next);
    }
    // best[u]: the largest reachable total <= u units.
    std::vector<std::uint32_t> best(units + 1, 0);
    std::uint32_t last = 0;
    for (std::size_t u = 0; u <= units; ++u) {
        if (u / 64 < words && (reach[u / 64] >> (u % 64) & 1)) last = static_cast<std::uint32_t>(u);
        best[u] = last;
    }

    SiteModel site(trace, settings, idle_w);
    // A modelled battery claims its charge first here too, and moves with what the oracle takes.
    std::optional<BatteryModel> battery;
    if (settings.battery.capacity_kwh > 0 && !site.genset()) battery.emplace(settings.battery);
    const double dt = std::max(0.1, seconds(settings.loop.period));
    const double max_draw = settings.loop.limits.max_draw_w > 0 ? settings.loop.limits.max_draw_w : 1e300;
    const DaySplit split(trace);
    std::vector<double> kwh(split.count(), 0);
    std::size_t ticks = 0;
    for (double t = trace.start_s(); t < trace.end_s(); t = trace.start_s() + static_cast<double>(++ticks) * dt) {
        const SiteInputs in = site.inputs(t);
        double surplus = in.surplus_w;
        if (battery) surplus -= battery->claim_w(surplus, dt);
        double cap = std::min(surplus, max_draw);
        cap = std::max(0.0, cap);
        const std::size_t u = std::min(units_of(cap), units);
        double p = std::min(cap, best[u] * q + slack_w);
        kwh[split.index(t)] += p * dt / 3.6e6;
        if (battery) battery->step(in.potential_ac_w - in.house_w - idle_w - p, dt);
    }
    return kwh;
}

// The physical oracle (sim/physical_oracle.hpp), day by day, never above the relaxed one. A
// battery's charge and a generator's trips depend on what the fleet draws, which the day's
// program, given the surplus in advance, does not follow: those sites keep the relaxed bound.
std::vector<double> physical_oracle_absorbed_kwh_by_day(const Trace& trace,
                                                        const SimSettings& settings,
                                                        const std::vector<double>& relaxed_by_day) {
    std::vector<MinerPhysics> fleet;
    double idle_w = 0;
    for (std::size_t i = 0; i < settings.miners.size(); ++i) {
        miners::simulated::MinerModel model(settings.miners[i].model, i + 1);
        const auto& c = model.config();
        idle_w += c.idle_w;
        const auto levels = loop::allowed_levels(view_of(settings.miners[i], model));
        if (levels.empty()) continue;
        fleet.push_back({std::max(0.0, levels.front().power_w - c.idle_w),
                         std::max(0.0, levels.back().power_w - c.idle_w), c.start_delay_s,
                         c.response_s});
    }
    SiteModel site(trace, settings, idle_w);
    if (site.genset() || settings.battery.capacity_kwh > 0) return relaxed_by_day;
    const double dt = std::max(0.1, seconds(settings.loop.period));
    const double max_draw =
        settings.loop.limits.max_draw_w > 0 ? settings.loop.limits.max_draw_w : 1e300;
    const DaySplit split(trace);
    std::vector<std::vector<double>> surplus(split.count());
    std::size_t ticks = 0;
    for (double t = trace.start_s(); t < trace.end_s();
         t = trace.start_s() + static_cast<double>(++ticks) * dt)
        surplus[split.index(t)].push_back(std::min(site.inputs(t).surplus_w, max_draw));
    std::vector<double> kwh(split.count(), 0);
    for (std::size_t d = 0; d < kwh.size(); ++d) {
        const double relaxed = d < relaxed_by_day.size() ? relaxed_by_day[d] : 0;
        kwh[d] = std::min(relaxed, physical_oracle_day_kwh(surplus[d], dt, fleet));
    }
    return kwh;
}

Report evaluate(const Trace& trace, const SimSettings& settings) {
    Report r;
    r.policy = settings.policy;
    r.site_kind = trace.has(Column::genset_capacity_w) ? "genset" : "grid";
    const auto oracle_by_day = oracle_absorbed_kwh_by_day(trace, settings);
    double oracle = 0;
    for (double d : oracle_by_day) oracle += d;
    const auto physical_by_day =
        physical_oracle_absorbed_kwh_by_day(trace, settings, oracle_by_day);
    double physical = 0;
    for (double d : physical_by_day) physical += d;
    auto ratio = [](double absorbed, double bound) {
        return bound > 1e-9 ? absorbed / bound : 1.0;
    };
    auto score = [&](Controller& c) {
        Metrics m = run(trace, settings, c);
        m.oracle_absorbed_kwh = oracle;
        m.oracle_ratio = ratio(m.absorbed_kwh, oracle);
        m.physical_oracle_absorbed_kwh = physical;
        m.physical_oracle_ratio = ratio(m.absorbed_kwh, physical);
        for (std::size_t d = 0; d < m.days.size() && d < oracle_by_day.size(); ++d) {
            m.days[d].oracle_absorbed_kwh = oracle_by_day[d];
            m.days[d].oracle_ratio = ratio(m.days[d].absorbed_kwh, oracle_by_day[d]);
            m.days[d].physical_oracle_absorbed_kwh = physical_by_day[d];
            m.days[d].physical_oracle_ratio = ratio(m.days[d].absorbed_kwh, physical_by_day[d]);
        }
        return m;
    };
    auto hs = make_hashsink_controller(settings);
    auto th = make_threshold_controller(settings);
    auto ef = make_export_follower(settings);
    r.hashsink = score(*hs);
    r.threshold = score(*th);
    r.export_follower = score(*ef);
    if (!settings.heat_zones.empty()) {
        auto ts = make_thermostat_controller(settings);
        r.thermostat = score(*ts);
    }
    if (settings.shared.members > 0)
        if (auto shared = make_shared_site_controller(settings)) r.shared = score(*shared);
    return r;
}

Status check_inputs(const Trace& trace, const SimSettings& settings) {
    return check_heat_inputs(trace, settings.heat_zones, settings.buildings);
}

namespace {

double round_to(double v, int digits) {
    double s = std::pow(10.0, digits);
    return std::round(v * s) / s;
}

nlohmann::json metrics_json(const Metrics& m) {
    nlohmann::json j;
    j["available_surplus_kwh"] = round_to(m.available_surplus_kwh, 4);
    j["absorbed_kwh"] = round_to(m.absorbed_kwh, 4);
    j["oracle_absorbed_kwh"] = round_to(m.oracle_absorbed_kwh, 4);
    j["oracle_ratio"] = round_to(m.oracle_ratio, 4);
    j["physical_oracle_absorbed_kwh"] = round_to(m.physical_oracle_absorbed_kwh, 4);
    j["physical_oracle_ratio"] = round_to(m.physical_oracle_ratio, 4);
    j["import_wh"] = round_to(m.import_wh, 2);
    j["peak_import_w"] = round_to(m.peak_import_w, 1);
    j["genset_overload_s"] = round_to(m.genset_overload_s, 1);
    j["genset_trips"] = m.genset_trips;
    j["genset_band_pct"] = m.genset_band_pct ? nlohmann::json(round_to(*m.genset_band_pct, 2)) : nlohmann::json();
    j["switches_per_miner_day"] = round_to(m.switches_per_miner_day, 2);
    j["max_miner_switches_per_day"] = round_to(m.max_miner_switches_per_day, 2);
    j["miner_switches_per_day"] = nlohmann::json::object();
    for (const auto& [id, per_day] : m.miner_switches_per_day)
        j["miner_switches_per_day"][id] = round_to(per_day, 2);
    j["revenue"] = round_to(m.revenue, 4);
    j["energy_cost"] = round_to(m.energy_cost, 4);
    j["fleet_kwh"] = round_to(m.fleet_kwh, 4);
    j["absorbed_without_import_kwh"] = round_to(m.absorbed_without_import_kwh, 4);
    j["per_day"] = nlohmann::json::array();
    for (const auto& d : m.days)
        j["per_day"].push_back(
            {{"date", d.date},
             {"absorbed_kwh", round_to(d.absorbed_kwh, 4)},
             {"oracle_absorbed_kwh", round_to(d.oracle_absorbed_kwh, 4)},
             {"oracle_ratio", round_to(d.oracle_ratio, 4)},
             {"physical_oracle_absorbed_kwh", round_to(d.physical_oracle_absorbed_kwh, 4)},
             {"physical_oracle_ratio", round_to(d.physical_oracle_ratio, 4)},
             {"import_wh", round_to(d.import_wh, 2)},
             {"switches_per_miner_day", round_to(d.switches_per_miner_day, 2)}});
    if (m.heat) {
        j["comfort_violation_kh"] = round_to(m.heat->comfort_violation_kh, 3);
        j["heat_delivered_kwh"] = round_to(m.heat->heat_delivered_kwh, 4);
        j["heat_wanted_kwh"] = round_to(m.heat->heat_wanted_kwh, 4);
        j["heat_value"] = round_to(m.heat->heat_value, 4);
        j["combined_value"] = round_to(m.revenue + m.heat->heat_value, 4);
        j["net_value"] = round_to(m.revenue + m.heat->heat_value - m.energy_cost, 4);
    }
    return j;
}

}  // namespace

std::string report_json(const Report& r, const std::string& trace_name) {
    nlohmann::json j = metrics_json(r.hashsink);
    j["trace"] = trace_name;
    j["policy"] = r.policy;
    j["site"] = r.site_kind;
    j["hours"] = round_to(r.hashsink.hours, 3);
    j["baselines"] = {{"threshold", metrics_json(r.threshold)},
                      {"export_follower", metrics_json(r.export_follower)}};
    if (r.thermostat) j["baselines"]["thermostat"] = metrics_json(*r.thermostat);
    if (r.shared) j["shared"] = metrics_json(*r.shared);
    return j.dump();
}

std::string report_text(const Report& r, const std::string& trace_name) {
    std::string out;
    char buf[256];
    std::snprintf(buf, sizeof buf, "trace %s: %.1f h, %s site, policy %s\n", trace_name.c_str(),
                  r.hashsink.hours, r.site_kind.c_str(), r.policy.c_str());
    out += buf;
    std::snprintf(
        buf, sizeof buf,
        "surplus available %.2f kWh, oracle absorbs %.2f kWh (%.2f with start delays and lag)\n\n",
        r.hashsink.available_surplus_kwh, r.hashsink.oracle_absorbed_kwh,
        r.hashsink.physical_oracle_absorbed_kwh);
    out += buf;
    std::snprintf(buf, sizeof buf, "%-16s %9s %8s %9s %9s %10s %8s %9s %9s %9s\n", "controller",
                  "absorbed", "ratio", "import", "peak imp", "overload", "band", "switches",
                  "revenue", "cost");
    out += buf;
    std::snprintf(buf, sizeof buf, "%-16s %9s %8s %9s %9s %10s %8s %9s %9s %9s\n", "", "kWh",
                  "oracle", "Wh", "W", "s", "%", "/miner/d", "", "");
    out += buf;
    auto row = [&](const char* name, const Metrics& m) {
        char band[16] = "-";
        if (m.genset_band_pct) std::snprintf(band, sizeof band, "%.1f", *m.genset_band_pct);
        std::snprintf(buf, sizeof buf, "%-16s %9.2f %8.3f %9.1f %9.0f %10.0f %8s %9.1f %9.3f %9.3f\n", name,
                      m.absorbed_kwh, m.oracle_ratio, m.import_wh, m.peak_import_w,
                      m.genset_overload_s, band, m.switches_per_miner_day, m.revenue, m.energy_cost);
        out += buf;
    };
    row("hashsink", r.hashsink);
    row("threshold", r.threshold);
    row("export_follower", r.export_follower);
    if (r.thermostat) row("thermostat", *r.thermostat);
    if (r.shared) row("shared daemons", *r.shared);
    if (!r.hashsink.heat) return out;
    std::snprintf(buf, sizeof buf, "\n%-16s %10s %10s %10s %9s %9s %9s %9s\n", "heat",
                  "violation", "delivered", "wanted", "value", "revenue", "combined", "net");
    out += buf;
    std::snprintf(buf, sizeof buf, "%-16s %10s %10s %10s %9s %9s %9s %9s\n", "", "K·h", "kWh",
                  "kWh", "", "", "", "");
    out += buf;
    auto heat_row = [&](const char* name, const Metrics& m) {
        if (!m.heat) return;
        const HeatMetrics& h = *m.heat;
        std::snprintf(buf, sizeof buf, "%-16s %10.2f %10.2f %10.2f %9.3f %9.3f %9.3f %9.3f\n", name,
                      h.comfort_violation_kh, h.heat_delivered_kwh, h.heat_wanted_kwh,
                      h.heat_value, m.revenue, m.revenue + h.heat_value,
                      m.revenue + h.heat_value - m.energy_cost);
        out += buf;
    };
    heat_row("hashsink", r.hashsink);
    heat_row("threshold", r.threshold);
    heat_row("export_follower", r.export_follower);
    if (r.thermostat) heat_row("thermostat", *r.thermostat);
    return out;
}

}  // namespace hashsink::sim
