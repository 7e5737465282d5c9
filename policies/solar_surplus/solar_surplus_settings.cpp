// The solar_surplus policy's keys: each declared once, with its default, range, unit and doc.
#include "policies/solar_surplus/solar_surplus.hpp"

namespace hashsink::policies {

namespace {

Settings<SolarSurplusSettings> surplus_keys(Settings<SolarSurplusSettings> s) {
    return std::move(s)
        .bind(&SolarSurplusSettings::reserve_w,
              {.name = "reserve_w",
               .doc = "Export kept back as a margin; the fleet never plans to use it.",
               .unit = "W",
               .fallback = 50.0,
               .min = 0.0,
               .max = 1e6})
        .bind(&SolarSurplusSettings::enable_threshold_w,
              {.name = "enable_threshold_w",
               .doc = "Surplus needed above the smallest miner's draw before the fleet starts.",
               .unit = "W",
               .fallback = 0.0,
               .min = 0.0,
               .max = 1e6})
        .bind(&SolarSurplusSettings::enable_delay,
              {.name = "enable_delay",
               .doc = "How long the surplus must hold before the fleet starts.",
               .unit = "s",
               .fallback = Duration{30'000},
               .min = 0.0,
               .max = 3600.0})
        .bind(&SolarSurplusSettings::disable_delay,
              {.name = "disable_delay",
               .doc = "How long a deficit must hold before the last miners stop (they run at their "
                      "minimum meanwhile, unless that imports).",
               .unit = "s",
               .fallback = Duration{120'000},
               .min = 0.0,
               .max = 3600.0})
        .bind(&SolarSurplusSettings::import_tolerance_w,
              {.name = "import_tolerance_w",
               .doc = "Grid import below this is treated as metering noise.",
               .unit = "W",
               .fallback = 25.0,
               .min = 0.0,
               .max = 1e5})
        .bind(&SolarSurplusSettings::hysteresis_w,
              {.name = "hysteresis_w",
               .doc = "Dead band: while the export stays within this of reserve_w (and nothing is "
                      "imported), every miner keeps its target, so noise does not switch miners.",
               .unit = "W",
               .fallback = 30.0,
               .min = 0.0,
               .max = 1e5})
        .bind(&SolarSurplusSettings::shed_after,
              {.name = "shed_after",
               .doc = "Import held this long removes every allowance: the budget drops to the "
                      "measured surplus, stopping miners if needed.",
               .unit = "s",
               .fallback = Duration{10'000},
               .min = 0.0,
               .max = 600.0})
        .bind(&SolarSurplusSettings::min_rest,
              {.name = "min_rest",
               .doc = "A miner paused less than this long ago stays paused, so a passing cloud "
                      "costs it one stop, not a stop and a start each time the sun comes back; "
                      "0 = off.",
               .unit = "s",
               .fallback = Duration{0},
               .min = 0.0,
               .max = 3600.0})
        .bind(&SolarSurplusSettings::bare_start_after,
              {.name = "bare_start_after",
               .doc = "A surplus that has covered a paused miner's lowest level this long starts "
                      "it without the governor's start margin, so a steady surplus just above a "
                      "big miner's minimum is used and a passing one is not; 0 = off.",
               .unit = "s",
               .fallback = Duration{0},
               .min = 0.0,
               .max = 3600.0});
}

Settings<SolarSurplusSettings> probe_keys(Settings<SolarSurplusSettings> s) {
    return std::move(s)
        .bind(&SolarSurplusSettings::probe_step_w,
              {.name = "probe_step_w",
               .doc = "Hidden surplus: while the inverter throttles (or its DC exceeds its AC "
                      "output) "
                      "and the grid sits at zero or at the export limit, the budget rises by this "
                      "(at least one miner step) every probe_interval, and backs off on import.",
               .unit = "W",
               .fallback = 50.0,
               .min = 1.0,
               .max = 1e6})
        .bind(&SolarSurplusSettings::probe_interval,
              {.name = "probe_interval",
               .doc = "Time between two probes: long enough for the miners and the inverter to "
                      "settle.",
               .unit = "s",
               .fallback = Duration{10'000},
               .min = 1.0,
               .max = 3600.0})
        .bind(&SolarSurplusSettings::probe_hold,
              {.name = "probe_hold",
               .doc = "After a probe made the site import, how long before the next one.",
               .unit = "s",
               .fallback = Duration{60'000},
               .min = 0.0,
               .max = 3600.0})
        .bind(&SolarSurplusSettings::probe_hold_max,
              {.name = "probe_hold_max",
               .doc = "The hold after a failed probe doubles with each failure in a row, up to "
                      "this; a "
                      "probe that held resets it.",
               .unit = "s",
               .fallback = Duration{120'000},
               .min = 0.0,
               .max = 86400.0})
        .bind(&SolarSurplusSettings::backoff_settle,
              {.name = "backoff_settle",
               .doc = "Hidden surplus: after a back-off on import, the miners get this long to "
                      "settle "
                      "before the next back-off.",
               .unit = "s",
               .fallback = Duration{5'000},
               .min = 0.0,
               .max = 600.0})
        .bind(&SolarSurplusSettings::limit_band_w,
              {.name = "limit_band_w",
               .doc = "Grid power this close to zero, or to grid.export_limit_w, counts as "
                      "held there "
                      "by the inverter.",
               .unit = "W",
               .fallback = 50.0,
               .min = 0.0,
               .max = 1e5})
        .bind(&SolarSurplusSettings::start_rise_w_per_min,
              {.name = "start_rise_w_per_min",
               .doc = "Hidden surplus: a probe that made the site import found all the inverter "
                      "could give; a paused miner whose start would take the site's load above "
                      "that stays paused until the sun could have raised it at this rate (not "
                      "after an import from a cloud). 0 = off.",
               .unit = "W/min",
               .fallback = 0.0,
               .min = 0.0,
               .max = 1e6});
}

Settings<SolarSurplusSettings> battery_keys(Settings<SolarSurplusSettings> s) {
    return std::move(s)
        .bind(&SolarSurplusSettings::dc_ac_efficiency,
              {.name = "dc_ac_efficiency",
               .doc = "AC the inverter makes of its DC input, to estimate the hidden surplus from "
                      "pv.dc_power_w.",
               .fallback = 0.97,
               .min = 0.5,
               .max = 1.0})
        .bind(&SolarSurplusSettings::battery_reserve_charge,
              {.name = "battery_reserve_charge",
               .doc = "The battery's charging power is reserved for it, not surplus (until "
                      "battery_full_soc_pct).",
               .fallback = true})
        .bind(&SolarSurplusSettings::battery_full_soc_pct,
              {.name = "battery_full_soc_pct",
               .doc = "From this state of charge, the battery's charging power counts as surplus.",
               .unit = "%",
               .fallback = 95.0,
               .min = 0.0,
               .max = 100.0})
        .bind(
            &SolarSurplusSettings::battery_min_soc_pct,
            {.name = "battery_min_soc_pct",
             .doc = "Above this state of charge the fleet may run from the battery (its discharge "
                    "is not taken off the surplus); at or below it never. 100 = never.",
             .unit = "%",
             .fallback = 100.0,
             .min = 0.0,
             .max = 100.0});
}

}  // namespace

const Settings<SolarSurplusSettings>& SolarSurplusSettings::settings() {
    static const auto settings =
        battery_keys(probe_keys(surplus_keys(Settings<SolarSurplusSettings>{})));
    return settings;
}

const KeyTable& SolarSurplusSettings::keys() { return settings().keys(); }

SolarSurplusSettings SolarSurplusSettings::from(const Options& options) {
    return settings().from(options);
}

}  // namespace hashsink::policies
