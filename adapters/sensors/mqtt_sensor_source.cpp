#include "adapters/sensors/mqtt_sensor_source.hpp"

#include <cmath>
#include <sstream>

#include "adapters/sensors/mqtt_broker_keys.hpp"
#include "adapters/sensors/mqtt_payload.hpp"

namespace hashsink::sensors::mqtt {

// The latest message's outcome, written on the MQTT thread, read by collect().
struct MqttSensorSource::Cell {
    std::mutex mutex;
    std::optional<double> value;
    std::string problem;  // why the latest message gave no value
    TimePoint at{};
    bool any = false;
};

const KeyTable& MqttSensorSource::keys() {
    static const KeyTable table = with_broker_keys({
        {.name = "topic",
         .type = KeyType::string,
         .doc = "MQTT topic to subscribe to",
         .required = true,
         .check = &check_topic},
        {.name = "json_pointer",
         .type = KeyType::string,
         .doc = "where the number is in a JSON payload, e.g. /power/total (empty: the payload "
                "is the number)",
         .fallback = std::string(),
         .check = &check_json_pointer},
        {.name = "signal",
         .type = KeyType::string,
         .doc = "snapshot signal it feeds, e.g. grid.power_w",
         .required = true},
        {.name = "unit",
         .type = KeyType::string,
         .doc = "unit of the signal after scaling",
         .fallback = std::string()},
        {.name = "scale",
         .type = KeyType::number,
         .doc = "the payload's number is multiplied by this",
         .fallback = 1.0,
         .min = -1e9,
         .max = 1e9},
        {.name = "min", .type = KeyType::number, .doc = "smallest valid value (after scaling)"},
        {.name = "max", .type = KeyType::number, .doc = "largest valid value (after scaling)"},
        {.name = "message_max_age",
         .type = KeyType::duration,
         .doc = "a message is valid this long; then the signal is stale until the next one",
         .unit = "s",
         .fallback = Duration{60000},
         .min = 0.1,
         .max = 7 * 86400},
    });
    return table;
}

SensorConfig MqttSensorSource::config_from(const Options& o) {
    SensorConfig c;
    c.broker = broker_settings_from(o);
    c.topic = o.get_string("topic");
    c.json_pointer = o.get_string("json_pointer");
    c.signal = o.get_string("signal");
    c.unit = o.get_string("unit");
    c.scale = o.get_number("scale", 1);
    c.min = o.find_number("min");
    c.max = o.find_number("max");
    c.max_age = o.get_duration("message_max_age", Duration{60000});
    return c;
}

MqttSensorSource::MqttSensorSource(std::string id, SensorConfig config)
    : id_(std::move(id)), config_(std::move(config)), cell_(std::make_shared<Cell>()) {
    auto client = connect_for_topic(config_.broker, config_.topic, config_.json_pointer);
    if (!client) {
        setup_error_ = client.error();
        return;
    }
    client_ = *client;
    // The handler holds the cell, not the source: a message racing the source's destruction
    // writes into a cell nobody reads.
    std::weak_ptr<Cell> weak = cell_;
    const SensorConfig cfg = config_;
    client_->subscribe(
        config_.topic, 1,
        [weak, cfg](const transport::MqttMessage& m) {
            auto cell = weak.lock();
            if (!cell) return;
            auto parsed = parse_number(m.payload, cfg.json_pointer);
            std::optional<double> value;
            std::string problem;
            if (!parsed) {
                problem = parsed.error().message;
            } else {
                double v = *parsed * cfg.scale;
                if (!std::isfinite(v) || (cfg.min && v < *cfg.min) || (cfg.max && v > *cfg.max)) {
                    std::ostringstream s;
                    s << "out of range: " << v << (cfg.unit.empty() ? "" : " " + cfg.unit);
                    problem = s.str();
                } else {
                    value = v;
                }
            }
            std::lock_guard lock(cell->mutex);
            cell->value = value;
            cell->problem = problem;
            cell->at = WallClock::now();
            cell->any = true;
        },
        [weak](const std::string&, const std::string& why) {
            auto cell = weak.lock();
            if (!cell) return;
            std::lock_guard lock(cell->mutex);
            cell->value.reset();
            cell->problem = why;
            cell->at = WallClock::now();
            cell->any = true;
        });
}

MqttSensorSource::~MqttSensorSource() = default;

Status MqttSensorSource::collect(TimePoint now, Accumulator& out) noexcept {
    const std::string ctx = "mqtt_sensor " + id_ + ": " + config_.topic + ": ";
    if (!setup_error_.ok()) {
        Status st = setup_error_;
        st.message = ctx + st.message;
        return st;
    }
    std::optional<double> value;
    std::string problem;
    TimePoint at;
    bool any;
    {
        std::lock_guard lock(cell_->mutex);
        value = cell_->value;
        problem = cell_->problem;
        at = cell_->at;
        any = cell_->any;
    }
    if (any && value) {
        const double age_s = seconds_between(at, now);
        if (now - at <= config_.max_age) {
            out.put(config_.signal, *value);
        } else {
            std::ostringstream s;
            s << "stale: last message " << static_cast<long long>(age_s)
              << " s ago (message_max_age " << format_duration(config_.max_age) << ")";
            out.reject(config_.signal, s.str());
        }
    } else if (any) {
        out.reject(config_.signal, problem);
    }
    if (!client_->connected()) {
        std::string why = client_->last_error();
        return Status::error(ErrorCode::unreachable,
                             ctx + (why.empty() ? "not connected yet" : why));
    }
    if (!any) return Status::error(ErrorCode::timeout, ctx + "no message yet");
    return Status::success();
}

}  // namespace hashsink::sensors::mqtt
