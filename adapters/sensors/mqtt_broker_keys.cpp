#include "adapters/sensors/mqtt_broker_keys.hpp"

namespace hashsink::sensors::mqtt {

const Settings<transport::MqttSettings>& broker_settings() {
    using transport::MqttSettings;
    // The transport's own defaults (tests and tools build MqttSettings directly).
    static const MqttSettings d{};
    static const auto settings =
        Settings<MqttSettings>{}
            .bind(&MqttSettings::broker,
                  {.name = "broker",
                   .doc = "MQTT broker: tcp://host:1883, or ssl://host:8883 for TLS",
                   .fallback = d.broker})
            .bind(&MqttSettings::client_id,
                  {.name = "client_id",
                   .doc = "MQTT client id; sources with the same broker settings share one "
                          "connection",
                   .fallback = d.client_id})
            .bind(&MqttSettings::username, {.name = "username",
                                            .doc = "broker user name (empty: none)",
                                            .fallback = d.username})
            .bind(&MqttSettings::password_file,
                  {.name = "password_file",
                   .doc = "file holding the broker password (read at each connect)",
                   .fallback = d.password_file,
                   .secret = true})
            .bind(&MqttSettings::ca_file,
                  {.name = "ca_file",
                   .doc = "TLS: CA certificates to trust (empty: the system's)",
                   .fallback = d.ca_file})
            .bind(&MqttSettings::cert_file, {.name = "cert_file",
                                             .doc = "TLS: client certificate (optional)",
                                             .fallback = d.cert_file})
            .bind(&MqttSettings::key_file, {.name = "key_file",
                                            .doc = "TLS: client private key (optional)",
                                            .fallback = d.key_file,
                                            .secret = true})
            .bind(&MqttSettings::tls_verify, {.name = "tls_verify",
                                              .doc = "TLS: check the broker's certificate",
                                              .fallback = d.tls_verify})
            .bind(&MqttSettings::status_topic,
                  {.name = "status_topic",
                   .doc = "retained \"online\" while connected; the last will sets \"offline\" "
                          "(empty: none)",
                   .fallback = d.status_topic})
            .bind(&MqttSettings::max_payload_bytes,
                  {.name = "max_payload_bytes",
                   .doc = "larger messages are refused unread",
                   .unit = "B",
                   .fallback = static_cast<std::int64_t>(d.max_payload_bytes),
                   .min = 16,
                   .max = 1 << 20})
            .bind(&MqttSettings::keepalive, {.name = "keepalive",
                                             .doc = "MQTT keep-alive interval",
                                             .unit = "s",
                                             .fallback = d.keepalive,
                                             .min = 1,
                                             .max = 3600});
    return settings;
}

KeyTable with_broker_keys(KeyTable t) {
    const KeyTable& broker = broker_settings().keys();
    t.insert(t.end(), broker.begin(), broker.end());
    return t;
}

transport::MqttSettings broker_settings_from(const Options& o) { return broker_settings().from(o); }

std::string check_topic(const OptionValue& value) {
    const auto* topic = std::get_if<std::string>(&value);
    if (!topic) return {};
    if (topic->empty()) return "expected one MQTT topic, got an empty string";
    if (topic->find_first_of("+#") != std::string::npos)
        return "expected one topic, without the wildcards + and #";
    if (topic->find('\0') != std::string::npos) return "a topic cannot hold a NUL byte";
    if (topic->size() > 65535) return "longer than MQTT's 65535 bytes";
    return {};
}

std::string check_json_pointer(const OptionValue& value) {
    const auto* pointer = std::get_if<std::string>(&value);
    if (!pointer || pointer->empty() || pointer->front() == '/') return {};
    return "expected a JSON pointer starting with / (e.g. /power/total), or empty";
}

Result<std::shared_ptr<transport::MqttClient>> connect_for_topic(
    const transport::MqttSettings& broker, const std::string& topic,
    const std::string& json_pointer) {
    if (auto why = check_topic(topic); !why.empty())
        return Status::error(ErrorCode::invalid, "topic: " + why, false);
    if (auto why = check_json_pointer(json_pointer); !why.empty())
        return Status::error(ErrorCode::invalid, "json_pointer: " + why, false);
    return transport::shared_mqtt_client(broker);
}

}  // namespace hashsink::sensors::mqtt
