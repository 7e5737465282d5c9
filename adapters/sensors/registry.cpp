#include "adapters/sensors/registry.hpp"

#include "adapters/sensors/modbus_profile_source.hpp"
#include "adapters/sensors/mqtt_price_source.hpp"
#include "adapters/sensors/mqtt_sensor_source.hpp"
#include "adapters/sensors/sunspec/sunspec_source.hpp"

namespace hashsink::sensors {

const std::vector<SourceType>& source_types() {
    static const std::vector<SourceType> all = {
        // One line per source type.
        {"sunspec", "SunSpec inverter and meter over Modbus TCP", sunspec::SunspecSource::keys(),
         [](const std::string& id, const Options& o) -> std::unique_ptr<Source> {
             return std::make_unique<sunspec::SunspecSource>(
                 id, sunspec::SunspecSource::config_from(o));
         }},
        {"modbus", "any Modbus TCP or RTU device described by a register-map profile",
         ModbusProfileSource::keys(),
         [](const std::string& id, const Options& o) -> std::unique_ptr<Source> {
             return std::make_unique<ModbusProfileSource>(id, ModbusProfileSource::config_from(o));
         }},
        {"mqtt_price", "energy price or hashprice from MQTT: scalar, slots or Home Assistant shape",
         mqtt::MqttPriceSource::keys(),
         [](const std::string& id, const Options& o) -> std::unique_ptr<Source> {
             return std::make_unique<mqtt::MqttPriceSource>(id, mqtt::MqttPriceSource::config_from(o));
         }},
        {"mqtt_sensor", "one number from an MQTT topic (JSON pointer, scale, range, max age)",
         mqtt::MqttSensorSource::keys(),
         [](const std::string& id, const Options& o) -> std::unique_ptr<Source> {
             return std::make_unique<mqtt::MqttSensorSource>(id, mqtt::MqttSensorSource::config_from(o));
         }},
    };
    return all;
}

const SourceType* find_source_type(const std::string& name) {
    for (const auto& t : source_types())
        if (t.name == name) return &t;
    return nullptr;
}

}  // namespace hashsink::sensors
