// Source type "mqtt_sensor": one numeric value from an MQTT topic (the payload itself, or a
// JSON pointer into it), scaled, range-checked and valid for max_age after its message.
#pragma once

#include <optional>
#include <string>

#include "adapters/sensors/mqtt_topic_cell.hpp"
#include "adapters/transport/mqtt_client.hpp"
#include "daemon/core/settings.hpp"
#include "daemon/core/source.hpp"

namespace hashsink::sensors::mqtt {

struct SensorConfig {
    transport::MqttSettings broker;
    std::string topic;
    std::string json_pointer;  // empty: the payload is the number
    std::string signal;
    std::string unit;
    double scale = 0;
    std::optional<double> min, max;
    Duration max_age{};
};

class MqttSensorSource final : public Source {
public:
    MqttSensorSource(std::string id, SensorConfig config);
    ~MqttSensorSource() override;
    std::string_view type_name() const override { return "mqtt_sensor"; }
    bool reconnects_itself() const noexcept override { return true; }
    Status collect(TimePoint now, Accumulator& out) noexcept override;

    static const Settings<SensorConfig>& settings();  // defaults and ranges
    static const KeyTable& keys();
    static SensorConfig config_from(const Options& options);

private:
    std::string id_;
    SensorConfig config_;
    TopicCell<double> topic_;
};

}  // namespace hashsink::sensors::mqtt
