#include "adapters/sensors/mqtt_price_source.hpp"

#include <cmath>
#include <sstream>

#include "adapters/sensors/mqtt_broker_keys.hpp"
#include "adapters/sensors/mqtt_payload.hpp"
#include "daemon/core/snapshot.hpp"

namespace hashsink::sensors::mqtt {

namespace {

std::string range_problem(double v, double min, double max, const std::string& what) {
    std::ostringstream s;
    s << what << " out of range: " << v << " (valid " << min << " .. " << max << ")";
    return s.str();
}

std::string signal_of(const std::string& kind) {
    return std::string(kind == "hashprice" ? signal::kHashpricePerThDay
                       : kind == "feed_in" ? signal::kPriceFeedInPerKwh
                                           : signal::kPriceImportPerKwh);
}
PriceFormat format_of(const std::string& f) {
    return f == "slots" ? PriceFormat::slots : PriceFormat::scalar;
}
double per_kwh(const std::string& eu) { return eu == "MWh" ? 1e-3 : eu == "Wh" ? 1e3 : 1; }
double per_th(const std::string& hu) { return hu == "PH/s" ? 1e-3 : hu == "EH/s" ? 1e-6 : 1; }

}  // namespace

const Settings<PriceConfig>& MqttPriceSource::settings() {
    static const auto settings =
        Settings<PriceConfig>{}
            .bind(&PriceConfig::topic, {.name = "topic",
                                        .doc = "MQTT topic carrying the price",
                                        .required = true,
                                        .check = &check_topic})
            .bind(
                &PriceConfig::signal,
                {.name = "kind",
                 .doc =
                     "import (price.import_per_kwh), feed_in (price.feed_in_per_kwh) or hashprice "
                     "(price.hashprice_per_th_day)",
                 .fallback = std::string("import"),
                 .choices = {"import", "feed_in", "hashprice"}},
                &signal_of)
            .bind(&PriceConfig::format,
                  {.name = "format",
                   .doc = "scalar: the current price; slots: JSON [{start, end, value}] or Home "
                          "Assistant's raw_today/raw_tomorrow",
                   .fallback = std::string("scalar"),
                   .choices = {"scalar", "slots"}},
                  &format_of)
            .bind(
                &PriceConfig::json_pointer,
                {.name = "json_pointer",
                 .doc =
                     "scalar inside a JSON payload, e.g. /price (empty: the payload is the number)",
                 .fallback = std::string(),
                 .check = &check_json_pointer})
            .bind(&PriceConfig::currency,
                  {.name = "currency",
                   .doc = "currency of the prices, e.g. EUR (the site's; not converted)",
                   .required = true})
            .bind(&PriceConfig::energy_factor,
                  {.name = "energy_unit",
                   .doc = "energy prices are per this unit (converted to per kWh)",
                   .fallback = std::string("kWh"),
                   .choices = {"Wh", "kWh", "MWh"}},
                  &per_kwh)
            .bind(&PriceConfig::hash_factor,
                  {.name = "hash_unit",
                   .doc = "hashprice is per this rate per day (converted to per TH/s per day)",
                   .fallback = std::string("TH/s"),
                   .choices = {"TH/s", "PH/s", "EH/s"}},
                  &per_th)
            .bind(&PriceConfig::scale,
                  {.name = "scale",
                   .doc = "the payload's values are multiplied by this (e.g. 0.01 for cents)",
                   .fallback = 1.0,
                   .min = -1e6,
                   .max = 1e6})
            .bind(&PriceConfig::min,
                  {.name = "min",
                   .doc = "lowest believable price after conversion; lower values are refused",
                   .fallback = -100.0})
            .bind(&PriceConfig::max,
                  {.name = "max",
                   .doc = "highest believable price after conversion; higher values are refused",
                   .fallback = 1000.0})
            .bind(&PriceConfig::max_age, {.name = "message_max_age",
                                          .doc = "scalar format: a message is valid this long "
                                                 "(slots are valid while they cover "
                                                 "the present)",
                                          .unit = "s",
                                          .fallback = Duration{3600000},
                                          .min = 1,
                                          .max = 7 * 86400})
            .nest(&PriceConfig::broker, broker_settings());
    return settings;
}

const KeyTable& MqttPriceSource::keys() { return settings().keys(); }

PriceConfig MqttPriceSource::config_from(const Options& options) {
    PriceConfig c = settings().from(options);
    const bool hashprice = c.signal == signal::kHashpricePerThDay;
    c.factor = (hashprice ? c.hash_factor : c.energy_factor) * c.scale;
    return c;
}

Result<MqttPriceSource::Prices> MqttPriceSource::parse(std::string_view payload,
                                                      const PriceConfig& cfg) {
    Prices prices;
    if (cfg.format == PriceFormat::scalar) {
        auto v = parse_number(payload, cfg.json_pointer);
        if (!v) return v.error();
        const double p = *v * cfg.factor;
        if (!std::isfinite(p) || p < cfg.min || p > cfg.max)
            return Status::error(ErrorCode::invalid, range_problem(p, cfg.min, cfg.max, "price"));
        prices.value = p;
        return prices;
    }
    auto parsed = parse_slots(payload);
    if (!parsed) return parsed.error();
    prices.slots = std::move(*parsed);
    for (auto& s : prices.slots) {
        s.value *= cfg.factor;
        // One unbelievable slot makes the whole message suspect (wrong unit?).
        if (!std::isfinite(s.value) || s.value < cfg.min || s.value > cfg.max)
            return Status::error(ErrorCode::invalid, range_problem(s.value, cfg.min, cfg.max,
                                                                   "slot at " + iso8601(s.start)));
    }
    return prices;
}

MqttPriceSource::MqttPriceSource(std::string id, PriceConfig config)
    : id_(std::move(id)),
      config_(std::move(config)),
      topic_(config_.broker, config_.topic, config_.json_pointer,
             [cfg = config_](std::string_view payload) { return parse(payload, cfg); }) {}

MqttPriceSource::~MqttPriceSource() = default;

Status MqttPriceSource::collect(TimePoint now, Accumulator& out) noexcept {
    const std::string ctx = "mqtt_price " + id_ + ": " + config_.topic + ": ";
    try {
        const auto reading = topic_.latest();
        if (reading.any && !reading.value) {
            out.reject(config_.signal, reading.problem);
        } else if (reading.any && config_.format == PriceFormat::scalar) {
            if (reading.age() <= config_.max_age) {
                out.put(config_.signal, reading.value->value);
            } else {
                out.reject(config_.signal,
                           "stale: last message " +
                               std::to_string(static_cast<long long>(
                                   std::chrono::duration<double>(reading.age()).count())) +
                               " s ago (message_max_age " + format_duration(config_.max_age) + ")");
            }
        } else if (reading.any) {
            out.put_schedule(config_.signal, reading.value->slots);
            if (const ScheduleSlot* s = slot_at(reading.value->slots, now))
                out.put(config_.signal, s->value);
            else
                out.reject(config_.signal, "no slot covers " + iso8601(now));
        }
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::io, ctx + "collect: " + e.what(), false);
    }
    return topic_.status(ctx);
}

}  // namespace hashsink::sensors::mqtt
