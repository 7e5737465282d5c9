#include "adapters/sensors/mqtt_broker_keys.hpp"

namespace hashsink::sensors::mqtt {

KeyTable with_broker_keys(KeyTable t) {
    const KeyTable broker = {
        {.name = "broker",
         .type = KeyType::string,
         .doc = "MQTT broker: tcp://host:1883, or ssl://host:8883 for TLS",
         .fallback = std::string("tcp://127.0.0.1:1883")},
        {.name = "client_id",
         .type = KeyType::string,
         .doc = "MQTT client id; sources with the same broker settings share one connection",
         .fallback = std::string("hashsink")},
        {.name = "username",
         .type = KeyType::string,
         .doc = "broker user name (empty: none)",
         .fallback = std::string()},
        {.name = "password_file",
         .type = KeyType::string,
         .doc = "file holding the broker password (read at each connect)",
         .fallback = std::string(),
         .secret = true},
        {.name = "ca_file",
         .type = KeyType::string,
         .doc = "TLS: CA certificates to trust (empty: the system's)",
         .fallback = std::string()},
        {.name = "cert_file",
         .type = KeyType::string,
         .doc = "TLS: client certificate (optional)",
         .fallback = std::string()},
        {.name = "key_file",
         .type = KeyType::string,
         .doc = "TLS: client private key (optional)",
         .fallback = std::string(),
         .secret = true},
        {.name = "tls_verify",
         .type = KeyType::boolean,
         .doc = "TLS: check the broker's certificate",
         .fallback = true},
        {.name = "status_topic",
         .type = KeyType::string,
         .doc = "retained \"online\" while connected; the last will sets \"offline\" (empty: none)",
         .fallback = std::string("hashsink/status")},
        {.name = "max_payload_bytes",
         .type = KeyType::integer,
         .doc = "larger messages are refused unread",
         .unit = "B",
         .fallback = std::int64_t{65536},
         .min = 16,
         .max = 1 << 20},
        {.name = "keepalive",
         .type = KeyType::duration,
         .doc = "MQTT keep-alive interval",
         .unit = "s",
         .fallback = Duration{30000},
         .min = 1,
         .max = 3600},
    };
    t.insert(t.end(), broker.begin(), broker.end());
    return t;
}

transport::MqttSettings broker_settings_from(const Options& o) {
    transport::MqttSettings s;
    s.broker = o.get_string("broker", s.broker);
    s.client_id = o.get_string("client_id", s.client_id);
    s.username = o.get_string("username");
    s.password_file = o.get_string("password_file");
    s.ca_file = o.get_string("ca_file");
    s.cert_file = o.get_string("cert_file");
    s.key_file = o.get_string("key_file");
    s.tls_verify = o.get_bool("tls_verify", true);
    s.status_topic = o.get_string("status_topic", s.status_topic);
    s.max_payload_bytes = static_cast<std::size_t>(o.get_int("max_payload_bytes", 65536));
    s.keepalive = o.get_duration("keepalive", Duration{30000});
    return s;
}

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
