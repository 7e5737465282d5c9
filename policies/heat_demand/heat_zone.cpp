#include "policies/heat_demand/heat_zone.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace hashsink::policies {
namespace {

// A temperature outside this is a broken sensor, not weather, a room or a hot-water tank.
constexpr double kMinPlausibleC = -60;
constexpr double kMaxPlausibleC = 110;

std::string check_zone_id(const OptionValue& v) {
    const auto* s = std::get_if<std::string>(&v);
    if (!s) return {};
    const bool ok = !s->empty() && s->size() <= 64 &&
                    std::all_of(s->begin(), s->end(), [](char c) {
                        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
                               c == '-' || c == '.';
                    });
    return ok ? "" : "invalid zone id \"" + *s + "\": use 1 to 64 letters, digits, '_', '-' or '.'";
}

std::string check_signal(const OptionValue& v) {
    const auto* s = std::get_if<std::string>(&v);
    if (!s || s->size() <= 128) return {};
    return "signal name longer than 128 characters";
}

// Comfort windows are schedule windows without a mode: "[DAYS ]HH:MM-HH:MM".
std::optional<ScheduleWindow> parse_comfort(const std::string& text, std::string* error) {
    auto p = parse_window(text + " max");
    if (!p.window && error)
        *error = p.error.rfind("expected", 0) == 0
                     ? "expected \"[DAYS ]HH:MM-HH:MM\", e.g. \"mon-fri 06:00-08:30\""
                     : p.error;
    return p.window;
}

std::string check_comfort(const OptionValue& v) {
    const auto* list = std::get_if<std::vector<std::string>>(&v);
    if (!list) return {};
    for (std::size_t i = 0; i < list->size(); ++i) {
        std::string error;
        if (!parse_comfort((*list)[i], &error))
            return "window " + std::to_string(i + 1) + " \"" + (*list)[i] + "\": " + error;
    }
    return {};
}

std::optional<double> plausible(const SiteSnapshot& snap, const std::string& name,
                                Duration stale_after) {
    if (name.empty()) return std::nullopt;
    const Reading* r = snap.find(name);
    if (!r || !r->fresh_at(snap.now) || snap.now - r->at > stale_after) return std::nullopt;
    if (!std::isfinite(r->value) || r->value < kMinPlausibleC || r->value > kMaxPlausibleC)
        return std::nullopt;
    return r->value;
}

// The comfort windows as schedule windows; their local time is the policy's (HeatZone::from).
ScheduleSettings comfort_windows(const std::vector<std::string>& texts) {
    ScheduleSettings comfort{};
    for (const auto& text : texts)
        if (auto w = parse_comfort(text, nullptr)) comfort.windows.push_back(*w);
    return comfort;
}

HeatReplaces replaces_from(const std::string& r) {
    return r == "heat_pump" ? HeatReplaces::heat_pump
           : r == "gas"     ? HeatReplaces::gas
                            : HeatReplaces::electric;
}

bool is_minimum(const std::string& safe_state) { return safe_state == "minimum"; }

// The zone: its name, miners and temperature signals.
Settings<HeatZone> where_keys(Settings<HeatZone> s) {
    return std::move(s)
        .bind(&HeatZone::id, {.name = "id",
                              .doc = "Name of the zone (status, journal)",
                              .required = true,
                              .check = &check_zone_id})
        .bind(&HeatZone::miners,
              {.name = "miners",
               .doc = "Miners that heat the zone, in the order they take its heat floor; a miner "
                      "belongs to one zone (the first that names it)",
               .required = true,
               .ref = RefKind::miner})
        .bind(&HeatZone::temperature,
              {.name = "temperature",
               .doc = "Snapshot signal with the zone's temperature in °C (an mqtt_sensor's or a "
                      "Modbus profile point's signal)",
               .required = true,
               .check = &check_signal})
        .bind(&HeatZone::outdoor_temperature,
              {.name = "outdoor_temperature",
               .doc = "Signal with the outdoor temperature in °C: the colder, the more heat from "
                      "the start (feed-forward); empty: none",
               .fallback = std::string{},
               .check = &check_signal});
}

// Its setpoints, comfort windows, band and power.
Settings<HeatZone> band_keys(Settings<HeatZone> s) {
    return std::move(s)
        .bind(&HeatZone::comfort_c,
              {.name = "comfort_c",
               .doc = "Setpoint inside the comfort windows (a room about 21, a hot-water tank "
                      "about 50)",
               .unit = "°C",
               .fallback = 21.0,
               .min = 5.0,
               .max = 80.0})
        .bind(&HeatZone::setback_c, {.name = "setback_c",
                                     .doc = "Setpoint outside the comfort windows",
                                     .unit = "°C",
                                     .fallback = 17.0,
                                     .min = 5.0,
                                     .max = 80.0})
        .bind(&HeatZone::comfort,
              {.name = "comfort",
               .doc = "Comfort windows \"[DAYS ]HH:MM-HH:MM\" in local time ([site] timezone), "
                      "e.g. \"mon-fri 06:00-08:30\"; setback otherwise",
               .fallback = std::vector<std::string>{},
               .check = &check_comfort},
              &comfort_windows)
        .bind(&HeatZone::hysteresis_k,
              {.name = "hysteresis_k",
               .doc = "Half-width of the band around the setpoint: heat starts at setpoint - "
                      "hysteresis_k and stops at setpoint + hysteresis_k",
               .unit = "K",
               .fallback = 0.5,
               .min = 0.1,
               .max = 10.0})
        .bind(&HeatZone::max_store_c,
              {.name = "max_store_c",
               .doc = "Solar surplus may warm the zone above its setpoint up to this (heat stored "
                      "in the building, or in a water tank up to its own limit); above it the "
                      "zone takes nothing beyond its floor",
               .unit = "°C",
               .fallback = 23.0,
               .min = 5.0,
               .max = 95.0})
        .bind(&HeatZone::max_power_w,
              {.name = "max_power_w",
               .doc = "The zone's miners together never draw more than this",
               .unit = "W",
               .required = true,
               .min = 1.0,
               .max = 1e6});
}

// Its run, rest, staleness and pre-heat times.
Settings<HeatZone> time_keys(Settings<HeatZone> s) {
    return std::move(s)
        .bind(&HeatZone::min_run, {.name = "min_run",
                                   .doc = "Once heating starts it lasts at least this long",
                                   .unit = "s",
                                   .fallback = Duration{600'000},
                                   .min = 0.0,
                                   .max = 21600.0})
        .bind(&HeatZone::min_rest, {.name = "min_rest",
                                    .doc = "Once heating stops it does not start again before this",
                                    .unit = "s",
                                    .fallback = Duration{300'000},
                                    .min = 0.0,
                                    .max = 21600.0})
        .bind(&HeatZone::stale_after,
              {.name = "stale_after",
               .doc = "A temperature older than this (or missing) puts the zone in its safe state",
               .unit = "s",
               .fallback = Duration{120'000},
               .min = 5.0,
               .max = 86400.0})
        .bind(&HeatZone::preheat_max,
              {.name = "preheat_max",
               .doc = "Optimum start: heat towards comfort_c ahead of a comfort window, as early "
                      "as the zone's learnt warming rate needs and at most this early (0: off, "
                      "the setpoint changes when the window opens)",
               .unit = "s",
               .fallback = Duration{0},
               .min = 0.0,
               .max = 43200.0});
}

// What its heat replaces, and what economics and a stale sensor may do.
Settings<HeatZone> value_keys(Settings<HeatZone> s) {
    return std::move(s)
        .bind(&HeatZone::replaces,
              {.name = "replaces",
               .doc = "What the zone's heat would otherwise come from: its value per kWh is the "
                      "import price (electric), the import price / cop (heat_pump) or "
                      "gas_price_per_kwh / boiler_efficiency (gas)",
               .fallback = std::string("electric"),
               .choices = {"electric", "heat_pump", "gas"}},
              &replaces_from)
        .bind(&HeatZone::cop,
              {.name = "cop",
               .doc = "Heat pump's coefficient of performance (replaces = heat_pump)",
               .fallback = 3.0,
               .min = 1.0,
               .max = 10.0})
        .bind(&HeatZone::gas_price_per_kwh, {.name = "gas_price_per_kwh",
                                             .doc = "Price of a kWh of gas (replaces = gas)",
                                             .unit = "currency/kWh",
                                             .fallback = 0.0,
                                             .min = 0.0,
                                             .max = 100.0})
        .bind(&HeatZone::boiler_efficiency, {.name = "boiler_efficiency",
                                             .doc = "Heat out per kWh of gas in (replaces = gas)",
                                             .fallback = 0.9,
                                             .min = 0.3,
                                             .max = 1.1})
        .bind(&HeatZone::below_floor_allowed,
              {.name = "below_floor_allowed",
               .doc = "May economics run the zone below its heat floor when hash and heat "
                      "together do not pay for the energy?",
               .fallback = false})
        .bind(&HeatZone::safe_minimum,
              {.name = "safe_state",
               .doc = "The zone's miners when its temperature is stale or missing: paused, or "
                      "minimum (lowest level, within max_power_w)",
               .fallback = std::string("paused"),
               .choices = {"paused", "minimum"}},
              &is_minimum);
}

}  // namespace

const char* to_string(HeatReplaces r) noexcept {
    switch (r) {
        case HeatReplaces::electric: return "electric";
        case HeatReplaces::heat_pump: return "heat_pump";
        case HeatReplaces::gas: return "gas";
    }
    return "?";
}

const Settings<HeatZone>& HeatZone::settings() {
    static const auto settings = value_keys(time_keys(band_keys(where_keys(Settings<HeatZone>{}))));
    return settings;
}

const KeyTable& HeatZone::keys() { return settings().keys(); }

HeatZone HeatZone::from(const Options& entry, int utc_offset_min,
                        const std::optional<TimeZone>& time_zone) {
    HeatZone z = settings().from(entry);
    z.comfort.utc_offset_min = utc_offset_min;
    z.comfort.time_zone = time_zone;
    return z;
}

std::optional<double> HeatZone::temperature_now(const SiteSnapshot& snap) const {
    return plausible(snap, temperature, stale_after);
}

std::optional<double> HeatZone::outdoor_now(const SiteSnapshot& snap) const {
    return plausible(snap, outdoor_temperature, stale_after);
}

bool HeatZone::in_comfort(const SiteSnapshot& snap) const {
    return window_at(comfort, snap.now) != nullptr;
}

bool HeatZone::wants_heat(const SiteSnapshot& snap, bool wanted_before) const {
    auto t = temperature_now(snap);
    if (!t) return false;
    // Ahead of a comfort window (within preheat_max) heat is stored for it, as far as
    // heat_demand may pre-heat.
    const double target = next_comfort_start(snap) ? comfort_c : target_c(snap);
    if (*t <= target - hysteresis_k) return true;
    if (*t >= target + hysteresis_k) return false;
    return wanted_before;
}

std::optional<TimePoint> HeatZone::next_comfort_start(const SiteSnapshot& snap) const {
    if (preheat_max.count() <= 0 || in_comfort(snap)) return std::nullopt;
    return next_window_start(comfort, snap.now, preheat_max);
}

bool HeatZone::has_miner(const std::string& miner_id) const {
    return std::find(miners.begin(), miners.end(), miner_id) != miners.end();
}

std::optional<double> heat_value_per_kwh(const HeatZone& zone,
                                         std::optional<double> import_per_kwh) {
    switch (zone.replaces) {
        case HeatReplaces::electric: return import_per_kwh;
        case HeatReplaces::heat_pump:
            if (!import_per_kwh || !(zone.cop > 0)) return std::nullopt;
            return *import_per_kwh / zone.cop;
        case HeatReplaces::gas:
            if (!(zone.boiler_efficiency > 0)) return std::nullopt;
            return zone.gas_price_per_kwh / zone.boiler_efficiency;
    }
    return std::nullopt;
}

}  // namespace hashsink::policies
