#include "adapters/sensors/registry.hpp"

#include "adapters/sensors/modbus_profile_source.hpp"
#include "adapters/sensors/mqtt_price_source.hpp"
#include "adapters/sensors/mqtt_sensor_source.hpp"
#include "adapters/sensors/sunspec/sunspec_source.hpp"

namespace hashsink::sensors {

const std::vector<SourceType>& source_types() {
    static const std::vector<SourceType> all = {
        // One line per source type.
        plugin_type<Source, sunspec::SunspecSource>("sunspec",
                                                    "SunSpec inverter and meter over Modbus TCP"),
        plugin_type<Source, ModbusProfileSource>(
            "modbus", "any Modbus TCP or RTU device described by a register-map profile"),
        plugin_type<Source, mqtt::MqttPriceSource>(
            "mqtt_price",
            "energy price or hashprice from MQTT: scalar, slots or Home Assistant shape"),
        plugin_type<Source, mqtt::MqttSensorSource>(
            "mqtt_sensor", "one number from an MQTT topic (JSON pointer, scale, range, max age)"),
    };
    return all;
}

const SourceType* find_source_type(const std::string& name) {
    return find_plugin_type(source_types(), name);
}

}  // namespace hashsink::sensors
