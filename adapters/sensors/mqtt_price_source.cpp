#include "adapters/sensors/mqtt_price_source.hpp"

#include <cmath>
#include <sstream>

#include "adapters/sensors/mqtt_broker_keys.hpp"
#include "adapters/sensors/mqtt_payload.hpp"
#include "daemon/core/snapshot.hpp"

namespace hashsink::sensors::mqtt {

struct MqttPriceSource::Cell {
    std::mutex mutex;
    std::optional<double> value;      // scalar
    std::vector<ScheduleSlot> slots;  // schedule
    bool valid = false;               // the latest message parsed and passed the checks
    std::string problem;
    TimePoint at{};
    bool any = false;
};

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

MqttPriceSource::MqttPriceSource(std::string id, PriceConfig config)
    : id_(std::move(id)), config_(std::move(config)), cell_(std::make_shared<Cell>()) {
    auto client = connect_for_topic(config_.broker, config_.topic, config_.json_pointer);
    if (!client) {
        setup_error_ = client.error();
        return;
    }
    client_ = *client;
    std::weak_ptr<Cell> weak = cell_;
    const PriceConfig cfg = config_;
    client_->subscribe(
        config_.topic, 1,
        [weak, cfg](const transport::MqttMessage& m) {
            auto cell = weak.lock();
            if (!cell) return;
            std::optional<double> value;
            std::vector<ScheduleSlot> slots;
            std::string problem;
            if (cfg.format == PriceFormat::scalar) {
                auto v = parse_number(m.payload, cfg.json_pointer);
                if (!v)
                    problem = v.error().message;
                else if (double p = *v * cfg.factor;
                         !std::isfinite(p) || p < cfg.min || p > cfg.max)
                    problem = range_problem(p, cfg.min, cfg.max, "price");
                else
                    value = p;
            } else {
                auto parsed = parse_slots(m.payload);
                if (!parsed) {
                    problem = parsed.error().message;
                } else {
                    slots = std::move(*parsed);
                    for (auto& s : slots) {
                        s.value *= cfg.factor;
                        // One unbelievable slot makes the whole message suspect (wrong unit?).
                        if (!std::isfinite(s.value) || s.value < cfg.min || s.value > cfg.max) {
                            problem = range_problem(s.value, cfg.min, cfg.max,
                                                    "slot at " + iso8601(s.start));
                            slots.clear();
                            break;
                        }
                    }
                }
            }
            std::lock_guard lock(cell->mutex);
            cell->value = value;
            cell->slots = std::move(slots);
            cell->valid = problem.empty();
            cell->problem = problem;
            cell->at = WallClock::now();
            cell->any = true;
        },
        [weak](const std::string&, const std::string& why) {
            auto cell = weak.lock();
            if (!cell) return;
            std::lock_guard lock(cell->mutex);
            cell->value.reset();
            cell->slots.clear();
            cell->valid = false;
            cell->problem = why;
            cell->at = WallClock::now();
            cell->any = true;
        });
}

MqttPriceSource::~MqttPriceSource() = default;

Status MqttPriceSource::collect(TimePoint now, Accumulator& out) noexcept {
    const std::string ctx = "mqtt_price " + id_ + ": " + config_.topic + ": ";
    if (!setup_error_.ok()) {
        Status st = setup_error_;
        st.message = ctx + st.message;
        return st;
    }
    try {
        std::lock_guard lock(cell_->mutex);
        if (cell_->any && !cell_->valid) {
            out.reject(config_.signal, cell_->problem);
        } else if (cell_->any && config_.format == PriceFormat::scalar) {
            if (now - cell_->at <= config_.max_age) {
                out.put(config_.signal, *cell_->value);
            } else {
                out.reject(
                    config_.signal,
                    "stale: last message " +
                        std::to_string(static_cast<long long>(seconds_between(cell_->at, now))) +
                        " s ago (message_max_age " + format_duration(config_.max_age) + ")");
            }
        } else if (cell_->any) {
            out.put_schedule(config_.signal, cell_->slots);
            if (const ScheduleSlot* s = slot_at(cell_->slots, now))
                out.put(config_.signal, s->value);
            else
                out.reject(config_.signal, "no slot covers " + iso8601(now));
        }
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::io, ctx + "collect: " + e.what(), false);
    }
    if (!client_->connected()) {
        std::string why = client_->last_error();
        return Status::error(ErrorCode::unreachable,
                             ctx + (why.empty() ? "not connected yet" : why));
    }
    std::lock_guard lock(cell_->mutex);
    if (!cell_->any) return Status::error(ErrorCode::timeout, ctx + "no message yet");
    return Status::success();
}

}  // namespace hashsink::sensors::mqtt
