// A small MQTT client over paho-mqtt-cpp: TLS, username and password (from a file), a client id,
// a last will showing hashsink offline, reconnects with backoff on its own thread, and every
// subscription restored after a reconnect. Each connect attempt uses a fresh paho client: after a
// broker restart paho can keep a connect that never completes, and refuse every later one on
// the same client. Messages are handed to callbacks on paho's thread; payloads over a size bound
// are refused unread. Nothing here throws.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"

namespace mqtt {
class async_client;
}

namespace hashsink::transport {

struct MqttSettings {
    std::string broker = "tcp://127.0.0.1:1883";  // tcp://host:port or ssl://host:port
    std::string client_id = "hashsink";
    std::string username;
    std::string password_file;  // read at each connect; a trailing newline is dropped
    std::string ca_file;        // TLS: trust these CAs (empty: the system's)
    std::string cert_file;      // TLS client certificate and key (optional)
    std::string key_file;
    bool tls_verify = true;  // check the broker's certificate and name
    Duration keepalive{30000};
    Duration connect_timeout{5000};
    Duration min_backoff{500};
    // Reconnect attempts to a broker that went away: cheap, and every second of backoff is a
    // second the site's MQTT readings stay down after the broker is back.
    Duration max_backoff{5000};
    std::string status_topic = "hashsink/status";  // retained "online"; last will "offline"
    std::size_t max_payload_bytes = 64 * 1024;

    // Settings that must agree for two users to share one connection.
    std::string share_key() const;
};

// A last will made for one connection (Sparkplug's NDEATH carries a number that changes with
// every connect).
struct MqttWill {
    std::string topic;
    std::string payload;
    int qos = 1;
    bool retained = false;
};

struct MqttMessage {
    std::string topic;
    std::string_view payload;
    bool retained = false;
};

class MqttClient {
public:
    using MessageHandler = std::function<void(const MqttMessage&)>;
    // Called instead of the message handler for a message that is refused unread (too big).
    using RejectHandler = std::function<void(const std::string& topic, const std::string& why)>;

    explicit MqttClient(MqttSettings settings);
    ~MqttClient();  // publishes "offline", disconnects, joins
    MqttClient(const MqttClient&) = delete;
    MqttClient& operator=(const MqttClient&) = delete;

    // Before start(): every CONNECT takes its last will from next_will (called on the client's
    // thread just before it) instead of status_topic's "offline", and a clean stop() publishes
    // the connected one's will as its goodbye.
    void set_will(std::function<MqttWill()> next_will);
    // Starts connecting (in the background; returns at once).
    void start() noexcept;
    // Once stop() returns, no handler runs or is still running: an owner whose handlers use its
    // own members stops the client before those members are destroyed. Never call it from a
    // handler: it waits for the running handler.
    void stop() noexcept;

    // Remembered and (re)sent on every connect. filter may hold + and # wildcards. Returns the
    // subscription's id for unsubscribe() (0 when it could not be remembered).
    std::uint64_t subscribe(const std::string& filter, int qos, MessageHandler on_message,
                            RejectHandler on_reject = {}) noexcept;
    // Forgets a subscription: its handlers are not called once this returns (unless running
    // now), and the broker is told when no other subscription uses the same filter. Never call
    // it from a handler: it waits for the running handler.
    void unsubscribe(std::uint64_t id) noexcept;
    std::size_t subscription_count() const;
    // Waits for the broker's acknowledgement up to the connect timeout (qos > 0).
    Status publish(const std::string& topic, const std::string& payload, int qos = 0,
                   bool retained = false) noexcept;

    // True once the broker accepted the connection and acknowledged every subscription.
    bool connected() const noexcept { return connected_; }
    std::uint64_t connection_count() const noexcept { return connects_; }
    // Why the last connect failed or the connection dropped; empty while connected.
    std::string last_error() const;
    const MqttSettings& settings() const noexcept { return settings_; }
    // "mqtt tcp://host:port"
    std::string name() const { return "mqtt " + settings_.broker; }

private:
    struct Subscription {
        std::uint64_t id = 0;
        std::string filter;
        int qos = 0;
        MessageHandler on_message;
        RejectHandler on_reject;
    };

    void run();
    Status connect_once();
    Status fresh_client();
    Status restore_subscriptions(mqtt::async_client& client);
    std::shared_ptr<mqtt::async_client> current() const;
    void deliver(const std::string& topic, std::string_view payload, bool retained) noexcept;
    void set_error(std::string message);

    MqttSettings settings_;
    std::function<MqttWill()> next_will_;         // set before start()
    std::optional<MqttWill> will_;                // the latest CONNECT's; under mutex_
    std::shared_ptr<mqtt::async_client> client_;  // under mutex_; replaced at each attempt
    std::uint64_t generation_ = 0;                // counts the paho clients made (mutex_)
    std::uint64_t next_subscription_id_ = 1;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::vector<Subscription> subscriptions_;
    std::string last_error_;
    // Held while handlers run; handlers_closed_ (under it) keeps them from running after stop().
    std::mutex delivery_mutex_;
    bool handlers_closed_ = false;
    bool stopping_ = false;
    bool lost_ = false;
    std::atomic<bool> connected_{false};
    std::atomic<std::uint64_t> connects_{0};
    std::thread thread_;
};

// True when topic matches filter (MQTT wildcards: + one level, # the rest).
bool mqtt_topic_matches(std::string_view filter, std::string_view topic) noexcept;

// One started client per broker, client id and credentials, shared by every source using it.
// Two users with the same broker and client id but different settings would push each other off
// the broker, so that is an error.
Result<std::shared_ptr<MqttClient>> shared_mqtt_client(const MqttSettings& settings) noexcept;

}  // namespace hashsink::transport
