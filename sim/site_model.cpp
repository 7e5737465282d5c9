#include "sim/site_model.hpp"

#include <algorithm>
#include <cmath>

namespace hashsink::sim {

SiteModel::SiteModel(const Trace& trace, const SimSettings& settings, double idle_w)
    : trace_(trace), settings_(settings), idle_w_(idle_w),
      genset_(trace.has(Column::genset_capacity_w)) {}

SiteInputs SiteModel::inputs(double t) const {
    SiteInputs in;
    in.genset = genset_;
    in.house_w = std::max(0.0, trace_.at(Column::house_load_w, t, 0));
    in.price_import = trace_.at(Column::price_per_kwh, t, 0);
    in.price_feed_in = trace_.at(Column::feed_in_per_kwh, t, 0);
    in.hashprice = trace_.at(Column::hashprice_per_th_day, t, settings_.hashprice_per_th_day);
    in.soc_pct = trace_.at(Column::battery_soc_pct, t, -1);
    if (genset_) {
        in.capacity_w = std::max(0.0, trace_.at(Column::genset_capacity_w, t));
        in.frequency_hz = trace_.at(Column::genset_frequency_hz, t, settings_.genset_frequency_hz);
        in.surplus_w = std::max(0.0, in.capacity_w - in.house_w - idle_w_);
        return in;
    }
    in.ac_max_w = trace_.at(Column::inverter_ac_max_w, t, settings_.pv.inverter_ac_max_w);
    double ac;
    if (trace_.has(Column::pv_dc_w) || trace_.has(Column::ghi_w_m2)) {
        in.dc_w = trace_.has(Column::pv_dc_w)
                      ? trace_.at(Column::pv_dc_w, t)
                      : settings_.pv.kwp * 1000 * std::max(0.0, trace_.at(Column::ghi_w_m2, t)) /
                            1000 * settings_.pv.derate;
        in.dc_w = std::max(0.0, in.dc_w);
        ac = in.dc_w * settings_.pv.inverter_efficiency;
    } else {
        ac = trace_.at(Column::pv_ac_w, t);
    }
    ac = std::max(0.0, ac);
    if (in.ac_max_w > 0) ac = std::min(ac, in.ac_max_w);
    in.potential_ac_w = ac;
    in.export_limit_w = trace_.has(Column::export_limit_w) ? trace_.at(Column::export_limit_w, t) : -1;
    in.surplus_w = std::max(0.0, ac - in.house_w - idle_w_);
    return in;
}

SiteFlows SiteModel::flows(const SiteInputs& in, double fleet_w) const {
    SiteFlows f;
    const double load = in.house_w + fleet_w;
    if (in.genset) {
        f.genset_load_w = load;
        return f;
    }
    f.pv_out_w = in.potential_ac_w;
    if (in.export_limit_w >= 0) {
        // The inverter throttles so the export stays at the limit.
        double cap = load + in.export_limit_w;
        if (cap < f.pv_out_w) {
            f.pv_out_w = std::max(0.0, cap);
            f.throttled = true;
        }
    }
    f.grid_w = load - f.pv_out_w;
    return f;
}

void SiteModel::publish(const SiteInputs& in, const SiteFlows& f, TimePoint now,
                        SiteSnapshot& snap) const {
    auto put = [&](std::string_view name, double v) {
        Reading& r = snap.readings[std::string(name)];
        r.value = v;
        r.at = now;
        r.max_age = Duration{5000};
        if (r.source.empty()) r.source = "trace";
    };
    if (in.genset) {
        const double cap = in.capacity_w;
        const double over = cap > 0 ? std::max(0.0, f.genset_load_w - cap) / cap : 0;
        put(signal::kGensetPowerW, f.genset_load_w);
        put(signal::kGensetRatingW, cap);
        put(signal::kGensetLoadPct, cap > 0 ? 100 * f.genset_load_w / cap : 0);
        // Isochronous governor: the frequency holds until the engine is overloaded, then sags.
        put(signal::kGensetFrequencyHz, genset_frequency_hz(in.frequency_hz, f.genset_load_w, cap));
        put(signal::kGensetRunning, cap > 0 ? 1 : 0);
        put(signal::kGensetAlarm, over > 0.1 ? 1 : 0);
    } else {
        put(signal::kGridPowerW, f.grid_w);
        put(signal::kPvAcPowerW, f.pv_out_w);
        if (in.dc_w >= 0) put(signal::kPvDcPowerW, in.dc_w);
        if (in.ac_max_w > 0) put(signal::kPvRatingW, in.ac_max_w);
        put(signal::kPvState, static_cast<double>(
                                  f.pv_out_w <= 0 ? static_cast<int>(InverterState::sleeping)
                                  : f.throttled   ? static_cast<int>(InverterState::throttled)
                                                  : static_cast<int>(InverterState::mppt)));
        if (in.export_limit_w >= 0) {
            put(signal::kExportLimitW, in.export_limit_w);
            put(signal::kPvLimitActive, f.throttled ? 1 : 0);
            if (f.throttled) put(signal::kPvLimitW, f.pv_out_w);
        }
    }
    if (in.soc_pct >= 0) put(signal::kBatterySocPct, in.soc_pct);
    if (trace_.has(Column::price_per_kwh)) put(signal::kPriceImportPerKwh, in.price_import);
    if (trace_.has(Column::feed_in_per_kwh)) put(signal::kPriceFeedInPerKwh, in.price_feed_in);
    put(signal::kHashpricePerThDay, in.hashprice);
}

}  // namespace hashsink::sim
