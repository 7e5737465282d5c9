// [site] and [governor], each key declared once: the loop's settings, the site's name and time
// zone, and the equipment `hashsink simulate` models.
#include <algorithm>

#include "daemon/config/config.hpp"

namespace hashsink::config {
namespace {

loop::SafeState safe_state_of(const std::string& s) {
    return s == "minimum" ? loop::SafeState::minimum : loop::SafeState::paused;
}

// The loop's part of [site]: its period, the fleet's draw limit and the safe state.
Settings<loop::LoopSettings> site_loop_keys() {
    using loop::SiteLimits;
    return Settings<loop::LoopSettings>{}
        .bind(&loop::LoopSettings::period,
              {.name = "period",
               .doc = "Control period: one tick reads the world, decides and writes",
               .unit = "s",
               .fallback = Duration{1000},
               .min = 0.1,
               .max = 60})
        .nest(&loop::LoopSettings::limits,
              Settings<SiteLimits>{}
                  // Zero would read as "no limit" to some and "nothing" to others: a site
                  // states a number.
                  .bind(&SiteLimits::max_draw_w,
                        {.name = "max_draw_w",
                         .doc = "The most the whole fleet of miners may draw together",
                         .unit = "W",
                         .required = true,
                         .min = 1})
                  .bind(&SiteLimits::safe_state,
                        {.name = "safe_state",
                         .doc = "What miners are set to when data is stale or the daemon stops: "
                                "paused (no hashing) or minimum (lowest power)",
                         .fallback = std::string("paused"),
                         .choices = {"paused", "minimum"}},
                        &safe_state_of));
}

// The site's battery as `hashsink simulate` models it (the daemon reads the real one through
// its sources).
Settings<SiteSection> battery_keys(Settings<SiteSection> s) {
    return std::move(s)
        .bind(&SiteSection::battery_kwh,
              {.name = "battery_kwh",
               .doc = "simulate: usable capacity of the site's battery; 0 models none (a trace's "
                      "battery_soc_pct column is then passed through)",
               .unit = "kWh",
               .fallback = 0.0,
               .min = 0,
               .max = 1e5})
        .bind(&SiteSection::battery_power_w,
              {.name = "battery_power_w",
               .doc = "simulate: the battery's largest charging and discharging power",
               .unit = "W",
               .fallback = 0.0,
               .min = 0,
               .max = 1e7})
        .bind(&SiteSection::battery_efficiency,
              {.name = "battery_efficiency",
               .doc = "simulate: the battery's round-trip efficiency",
               .fallback = 0.9,
               .min = 0.5,
               .max = 1})
        .bind(&SiteSection::battery_soc_pct,
              {.name = "battery_soc_pct",
               .doc = "simulate: the battery's state of charge at the start of the trace (it "
                      "never discharges below 10 %)",
               .unit = "%",
               .fallback = 50.0,
               .min = 0,
               .max = 100});
}

// The site's generator as `hashsink simulate` models it.
Settings<SiteSection> genset_keys(Settings<SiteSection> s) {
    return std::move(s)
        .bind(&SiteSection::genset_trip_after,
              {.name = "genset_trip_after",
               .doc = "simulate: a generator overloaded this long trips; 0 never trips on "
                      "overload time",
               .unit = "s",
               .fallback = Duration{10'000},
               .min = 0,
               .max = 3600})
        .bind(&SiteSection::genset_trip_hz,
              {.name = "genset_trip_hz",
               .doc = "simulate: a generator whose frequency falls below this trips at once; 0 "
                      "means 95 % of nominal",
               .unit = "Hz",
               .fallback = 0.0,
               .min = 0,
               .max = 100})
        .bind(&SiteSection::genset_restart,
              {.name = "genset_restart",
               .doc = "simulate: a tripped generator gives nothing for this long",
               .unit = "s",
               .fallback = Duration{120'000},
               .min = 0,
               .max = 86400});
}

Settings<SiteSection> site_own_keys() {
    return Settings<SiteSection>{}
        .bind(&SiteSection::name, {.name = "name",
                                   .doc = "Name of the site, shown on the page",
                                   .fallback = std::string("hashsink")})
        .nest(&SiteSection::loop, site_loop_keys())
        .bind(&SiteSection::timezone,
              {.name = "timezone",
               .doc = "IANA time zone of the site, like \"Europe/Berlin\" (read from tzdata's "
                      "/usr/share/zoneinfo, or $TZDIR): the local time of schedule and comfort "
                      "windows, daylight saving followed. Empty: UTC, or the policies' fixed "
                      "utc_offset_min",
               .fallback = std::string()})
        .bind(&SiteSection::miner_poll_interval,
              {.name = "miner_poll_interval",
               .doc = "How often each miner's state is read back",
               .unit = "s",
               .fallback = Duration{5000},
               .min = 1,
               .max = 300});
}

// [governor]'s part of the limits: dwell and ramps.
Settings<loop::SiteLimits> governor_limit_keys() {
    using loop::SiteLimits;
    return Settings<SiteLimits>{}
        .bind(&SiteLimits::min_dwell, {.name = "min_dwell",
                                       .doc = "Minimum time between two changes of one miner",
                                       .unit = "s",
                                       .fallback = Duration{30'000},
                                       .min = 0,
                                       .max = 3600})
        .bind(&SiteLimits::ramp_up_w_per_s,
              {.name = "ramp_up_w_per_s",
               .doc = "Fastest rise of the fleet's power target; 0 means unlimited",
               .unit = "W/s",
               .fallback = 0.0,
               .min = 0})
        .bind(&SiteLimits::ramp_down_w_per_s,
              {.name = "ramp_down_w_per_s",
               .doc = "Fastest controlled fall of the fleet's power target (a larger decrease "
                      "goes one level at a time), for generators that dislike sudden load "
                      "drops; a commanded site limit is reached at this rate too. Sheds, the "
                      "safe state and max_draw_w are never slowed. 0 means unlimited",
               .unit = "W/s",
               .fallback = 0.0,
               .min = 0});
}

}  // namespace

const Settings<SiteSection>& site_settings() {
    static const auto settings = genset_keys(battery_keys(site_own_keys()));
    return settings;
}
const KeyTable& site_keys() { return site_settings().keys(); }

const Settings<loop::LoopSettings>& governor_settings() {
    using loop::LoopSettings;
    static const auto settings =
        Settings<LoopSettings>{}
            .nest(&LoopSettings::limits, governor_limit_keys())
            .bind(&LoopSettings::start_margin_w,
                  {.name = "start_margin_w",
                   .doc = "Spare power a paused miner needs before it starts (a running one "
                          "keeps running without it), so a surplus hovering at one miner's "
                          "draw does not switch it on and off",
                   .unit = "W",
                   .fallback = 10.0,
                   .min = 0,
                   .max = 1e6})
            .bind(&LoopSettings::start_margin_pct,
                  {.name = "start_margin_pct",
                   .doc = "A paused miner's start margin is at least this share of its own "
                          "lowest level, so a big miner does not start on a surplus that only "
                          "just covers it",
                   .unit = "%",
                   .fallback = 0.0,
                   .min = 0,
                   .max = 100})
            .bind(&LoopSettings::priority,
                  {.name = "priority",
                   .doc = "Miner ids served first, in this order; the others follow in file "
                          "order",
                   .fallback = std::vector<std::string>{},
                   .ref = RefKind::miner});
    return settings;
}
const KeyTable& governor_keys() { return governor_settings().keys(); }

loop::LoopSettings loop_settings(const SiteConfig& cfg) {
    loop::LoopSettings s = site_settings().from(cfg.site).loop;
    governor_settings().fill(s, cfg.governor);
    s.limits.period = s.period;
    s.miner_threads = loop::miner_threads_for(cfg.miners.size());
    return s;
}

}  // namespace hashsink::config
