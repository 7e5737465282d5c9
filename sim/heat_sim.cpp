#include "sim/heat_sim.hpp"

#include <algorithm>
#include <cmath>


namespace hashsink::sim {

ComfortBand comfort_band(const policies::HeatZone& zone, TimePoint now) {
    SiteSnapshot at;
    at.now = now;
    ComfortBand b;
    b.target_c = zone.target_c(at);
    b.low_c = b.target_c - zone.hysteresis_k;
    b.high_c = zone.max_store_c > 0 ? zone.max_store_c : b.target_c + zone.hysteresis_k;
    return b;
}

HeatSim::HeatSim(const Trace& trace, const std::vector<policies::HeatZone>& zones,
                 const std::vector<BuildingParams>& buildings,
                 const std::vector<std::string>& miner_ids)
    : trace_(trace) {
    const TimePoint start = from_unix_ms(static_cast<std::int64_t>(trace.start_s() * 1000));
    for (const auto& z : zones) {
        State s;
        s.zone = &z;
        for (const auto& id : z.miners)
            for (std::size_t i = 0; i < miner_ids.size(); ++i)
                if (miner_ids[i] == id) s.miners.push_back(i);
        for (const auto& b : buildings) {
            if (b.zone != z.id) continue;
            double initial = b.initial_c ? *b.initial_c
                             : trace.has(Column::indoor_temp_c)
                                 ? trace.at(Column::indoor_temp_c, trace.start_s())
                                 : comfort_band(z, start).target_c;
            s.building.emplace(b, initial);
            s.ua_w_per_k = b.ua_w_per_k;
        }
        s.t_in_c = indoor_c(s, trace.start_s());
        zones_.push_back(std::move(s));
    }
}

double HeatSim::indoor_c(const State& s, double t_s) const {
    if (s.building) return s.building->temperature_c();
    return trace_.at(Column::indoor_temp_c, t_s, 0);
}

double HeatSim::temperature_c(std::size_t zone) const { return zones_.at(zone).t_in_c; }

void HeatSim::publish(double t_s, TimePoint now, SiteSnapshot& snap) const {
    auto put = [&](const std::string& name, double v) {
        if (name.empty()) return;
        Reading& r = snap.readings[name];
        r.value = v;
        r.at = now;
        r.max_age = Duration{5000};
        if (r.source.empty()) r.source = "trace";
    };
    for (const auto& s : zones_) {
        put(s.zone->temperature, s.t_in_c);
        if (trace_.has(Column::outdoor_temp_c))
            put(s.zone->outdoor_temperature, trace_.at(Column::outdoor_temp_c, t_s));
    }
}

void HeatSim::advance(double t_s, double dt_s, const std::vector<double>& miner_power_w,
                      double import_price_per_kwh) {
    // Without a price column the import price is unknown: electric heat then has no value.
    const std::optional<double> import_price =
        trace_.has(Column::price_per_kwh) ? std::optional<double>(import_price_per_kwh) : std::nullopt;
    const TimePoint now = from_unix_ms(static_cast<std::int64_t>(std::llround(t_s * 1000)));
    const double other_w = std::max(0.0, trace_.at(Column::heat_demand_w, t_s, 0));
    const double outdoor_c = trace_.at(Column::outdoor_temp_c, t_s, 0);
    for (auto& s : zones_) {
        const policies::HeatZone& z = *s.zone;
        double heat_w = 0;
        for (std::size_t i : s.miners)
            if (i < miner_power_w.size()) heat_w += std::max(0.0, miner_power_w[i]);
        const ComfortBand band = comfort_band(z, now);
        const double target = band.target_c, low = band.low_c, high = band.high_c;
        const double t_in = s.t_in_c;
        metrics_.comfort_violation_kh +=
            (std::max(0.0, low - t_in) + std::max(0.0, t_in - high)) * dt_s / 3600;

        const double heat_j = heat_w * dt_s;
        s.delivered_j += heat_j;
        metrics_.heat_delivered_kwh += heat_j / 3.6e6;
        // Wanted heat: with a building, the zone's losses at temperatures up to the target
        // (what a heater holding the target would have supplied) less the other gains,
        // credited while the miners have delivered at least that much so far; without one,
        // the miners' heat while the zone is not above the band.
        double want_j = 0;
        if (s.building)
            want_j = std::max(0.0, s.ua_w_per_k * (std::min(t_in, target) - outdoor_c) - other_w) * dt_s;
        else if (t_in <= high)
            want_j = heat_j;
        const double credit_j = std::clamp(want_j, 0.0, s.delivered_j - s.credited_j);
        s.credited_j += credit_j;
        metrics_.heat_wanted_kwh += credit_j / 3.6e6;
        metrics_.heat_value += credit_j / 3.6e6 * policies::heat_value_per_kwh(z, import_price).value_or(0);

        if (s.building) s.building->advance(dt_s, heat_w + other_w, outdoor_c);
        s.t_in_c = indoor_c(s, t_s + dt_s);
    }
}

Status check_heat_inputs(const Trace& trace, const std::vector<policies::HeatZone>& zones,
                         const std::vector<BuildingParams>& buildings) {
    auto fail = [&](const std::string& cause) {
        return Status::error(ErrorCode::invalid, "trace " + trace.name + ": " + cause, false);
    };
    for (const auto& z : zones) {
        bool modelled = std::any_of(buildings.begin(), buildings.end(),
                                    [&](const BuildingParams& b) { return b.zone == z.id; });
        if (modelled && !trace.has(Column::outdoor_temp_c))
            return fail("zone " + z.id + " has a modelled building but the trace has no "
                        "outdoor_temp_c column");
        if (!modelled && !trace.has(Column::indoor_temp_c))
            return fail("zone " + z.id + " has neither a [[simulate.buildings]] entry nor an "
                        "indoor_temp_c column");
    }
    return Status::success();
}

}  // namespace hashsink::sim
