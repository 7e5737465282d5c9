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

}  // namespace

const KeyTable& MqttPriceSource::keys() {
    static const KeyTable table = with_broker_keys({
        {.name = "topic",
         .type = KeyType::string,
         .doc = "MQTT topic carrying the price",
         .required = true,
         .check = &check_topic},
        {.name = "kind",
         .type = KeyType::string,
         .doc = "import (price.import_per_kwh), feed_in (price.feed_in_per_kwh) or hashprice "
                "(price.hashprice_per_th_day)",
         .fallback = std::string("import"),
         .choices = {"import", "feed_in", "hashprice"}},
        {.name = "format",
         .type = KeyType::string,
         .doc = "scalar: the current price; slots: JSON [{start, end, value}] or Home "
                "Assistant's raw_today/raw_tomorrow",
         .fallback = std::string("scalar"),
         .choices = {"scalar", "slots"}},
        {.name = "json_pointer",
         .type = KeyType::string,
         .doc = "scalar inside a JSON payload, e.g. /price (empty: the payload is the number)",
         .fallback = std::string(),
         .check = &check_json_pointer},
        {.name = "currency",
         .type = KeyType::string,
         .doc = "currency of the prices, e.g. EUR (the site's; not converted)",
         .required = true},
        {.name = "energy_unit",
         .type = KeyType::string,
         .doc = "energy prices are per this unit (converted to per kWh)",
         .fallback = std::string("kWh"),
         .choices = {"Wh", "kWh", "MWh"}},
        {.name = "hash_unit",
         .type = KeyType::string,
         .doc = "hashprice is per this rate per day (converted to per TH/s per day)",
         .fallback = std::string("TH/s"),
         .choices = {"TH/s", "PH/s", "EH/s"}},
        {.name = "scale",
         .type = KeyType::number,
         .doc = "the payload's values are multiplied by this (e.g. 0.01 for cents)",
         .fallback = 1.0,
         .min = -1e6,
         .max = 1e6},
        {.name = "min",
         .type = KeyType::number,
         .doc = "lowest believable price after conversion; lower values are refused",
         .fallback = -100.0},
        {.name = "max",
         .type = KeyType::number,
         .doc = "highest believable price after conversion; higher values are refused",
         .fallback = 1000.0},
        {.name = "message_max_age",
         .type = KeyType::duration,
         .doc = "scalar format: a message is valid this long (slots are valid while they cover "
                "the present)",
         .unit = "s",
         .fallback = Duration{3600000},
         .min = 1,
         .max = 7 * 86400},
    });
    return table;
}

PriceConfig MqttPriceSource::config_from(const Options& o) {
    PriceConfig c;
    c.broker = broker_settings_from(o);
    c.topic = o.get_string("topic");
    const std::string kind = o.get_string("kind", "import");
    c.format =
        o.get_string("format", "scalar") == "slots" ? PriceFormat::slots : PriceFormat::scalar;
    c.json_pointer = o.get_string("json_pointer");
    c.currency = o.get_string("currency");
    double unit = 1;
    if (kind == "hashprice") {
        c.signal = std::string(signal::kHashpricePerThDay);
        const std::string hu = o.get_string("hash_unit", "TH/s");
        unit = hu == "PH/s" ? 1e-3 : hu == "EH/s" ? 1e-6 : 1;
    } else {
        c.signal = std::string(kind == "feed_in" ? signal::kPriceFeedInPerKwh
                                                 : signal::kPriceImportPerKwh);
        const std::string eu = o.get_string("energy_unit", "kWh");
        unit = eu == "MWh" ? 1e-3 : eu == "Wh" ? 1e3 : 1;
    }
    c.factor = unit * o.get_number("scale", 1);
    c.min = o.get_number("min", -100);
    c.max = o.get_number("max", 1000);
    c.max_age = o.get_duration("message_max_age", Duration{3600000});
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
            if (now - reading.at <= config_.max_age) {
                out.put(config_.signal, reading.value->value);
            } else {
                out.reject(
                    config_.signal,
                    "stale: last message " +
                        std::to_string(static_cast<long long>(seconds_between(reading.at, now))) +
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
