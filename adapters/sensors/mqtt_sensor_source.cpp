#include "adapters/sensors/mqtt_sensor_source.hpp"

#include <cmath>
#include <sstream>

#include "adapters/sensors/mqtt_broker_keys.hpp"
#include "adapters/sensors/mqtt_payload.hpp"

namespace hashsink::sensors::mqtt {

const Settings<SensorConfig>& MqttSensorSource::settings() {
    static const auto settings =
        Settings<SensorConfig>{}
            .bind(&SensorConfig::topic, {.name = "topic",
                                         .doc = "MQTT topic to subscribe to",
                                         .required = true,
                                         .check = &check_topic})
            .bind(&SensorConfig::json_pointer,
                  {.name = "json_pointer",
                   .doc = "where the number is in a JSON payload, e.g. /power/total (empty: the "
                          "payload is the number)",
                   .fallback = std::string(),
                   .check = &check_json_pointer})
            .bind(&SensorConfig::signal, {.name = "signal",
                                          .doc = "snapshot signal it feeds, e.g. grid.power_w",
                                          .required = true})
            .bind(&SensorConfig::unit, {.name = "unit",
                                        .doc = "unit of the signal after scaling",
                                        .fallback = std::string()})
            .bind(&SensorConfig::scale, {.name = "scale",
                                         .doc = "the payload's number is multiplied by this",
                                         .fallback = 1.0,
                                         .min = -1e9,
                                         .max = 1e9})
            .bind(&SensorConfig::min,
                  {.name = "min", .doc = "smallest valid value (after scaling)"})
            .bind(&SensorConfig::max, {.name = "max", .doc = "largest valid value (after scaling)"})
            .bind(&SensorConfig::max_age,
                  {.name = "message_max_age",
                   .doc = "a message is valid this long; then the signal is stale until the "
                          "next one",
                   .unit = "s",
                   .fallback = Duration{60000},
                   .min = 0.1,
                   .max = 7 * 86400})
            .nest(&SensorConfig::broker, broker_settings());
    return settings;
}

const KeyTable& MqttSensorSource::keys() { return settings().keys(); }

SensorConfig MqttSensorSource::config_from(const Options& o) { return settings().from(o); }

namespace {

// The payload's number, scaled and range-checked.
Result<double> parse_value(std::string_view payload, const SensorConfig& cfg) {
    auto parsed = parse_number(payload, cfg.json_pointer);
    if (!parsed) return parsed.error();
    double v = *parsed * cfg.scale;
    if (!std::isfinite(v) || (cfg.min && v < *cfg.min) || (cfg.max && v > *cfg.max)) {
        std::ostringstream s;
        s << "out of range: " << v << (cfg.unit.empty() ? "" : " " + cfg.unit);
        return Status::error(ErrorCode::invalid, s.str());
    }
    return v;
}

}  // namespace

MqttSensorSource::MqttSensorSource(std::string id, SensorConfig config)
    : id_(std::move(id)),
      config_(std::move(config)),
      topic_(config_.broker, config_.topic, config_.json_pointer,
             [cfg = config_](std::string_view payload) { return parse_value(payload, cfg); }) {}

MqttSensorSource::~MqttSensorSource() = default;

Status MqttSensorSource::collect(TimePoint /*now*/, Accumulator& out) noexcept {
    const std::string ctx = "mqtt_sensor " + id_ + ": " + config_.topic + ": ";
    const auto reading = topic_.latest();
    if (reading.any && reading.value) {
        const Duration age = reading.age();
        const double age_s = std::chrono::duration<double>(age).count();
        if (age <= config_.max_age) {
            out.put(config_.signal, *reading.value);
        } else {
            std::ostringstream s;
            s << "stale: last message " << static_cast<long long>(age_s)
              << " s ago (message_max_age " << format_duration(config_.max_age) << ")";
            out.reject(config_.signal, s.str());
        }
    } else if (reading.any) {
        out.reject(config_.signal, reading.problem);
    }
    return topic_.status(ctx);
}

}  // namespace hashsink::sensors::mqtt
