// [publish]: the loop's status over MQTT for the wider world (Home Assistant, Node-RED, a
// dashboard). Every `interval` a timer thread reads the latest status from the board and queues
// <prefix>/status (a compact summary), <prefix>/miner/<id> and <prefix>/zone/<id>; a bounded
// queue with its own thread sends them (transport::MqttPublishQueue), so a dead broker costs
// dropped messages, never a stalled loop. Availability is the connection's: the broker key
// `status_topic` holds a retained "online" while connected and the last will "offline".
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "adapters/transport/mqtt_publish_queue.hpp"
#include "daemon/core/settings.hpp"
#include "daemon/loop/recorder.hpp"
#include "daemon/loop/status.hpp"

namespace hashsink::app {

struct PublishConfig {
    bool enabled = false;
    transport::MqttSettings broker;
    std::string prefix;  // without a trailing '/'
    Duration interval{};
    bool retain = false;
    int qos = 0;
};

// [publish]: its own keys and the shared MQTT broker keys, with their defaults.
const Settings<PublishConfig>& publish_settings();
KeyTable publish_keys();
PublishConfig publish_config_from(const Options& options);

// Pure: the messages one status makes (status, then each miner, then each zone).
std::vector<transport::OutgoingMessage> status_messages(const loop::LoopStatus& status,
                                                        const PublishConfig& config, TimePoint now);

class StatusPublisher {
public:
    // Connects in the background; a bad prefix or a client id clash is a setup error.
    // expected_messages sizes the queue (two rounds of one status, the miners and the zones).
    // Publishing that starts failing, and works again, is journalled on `recorder`
    // (publish.failing, publish.resumed).
    StatusPublisher(PublishConfig config, const loop::StatusBoard& board, const Clock& clock,
                    std::size_t expected_messages, loop::Recorder& recorder);
    ~StatusPublisher();
    StatusPublisher(const StatusPublisher&) = delete;
    StatusPublisher& operator=(const StatusPublisher&) = delete;

    const Status& setup_status() const { return setup_; }
    transport::PublishCounters counters() const;
    // The setup error, else the latest publish's error while publishing fails, else success.
    Status health() const;

private:
    void run();

    PublishConfig config_;
    const loop::StatusBoard& board_;
    const Clock& clock_;
    Status setup_;
    loop::Recorder& recorder_;
    mutable std::mutex health_mutex_;
    Status health_;  // guarded by health_mutex_; written on the queue's thread
    std::shared_ptr<transport::MqttClient> client_;
    std::unique_ptr<transport::MqttPublishQueue> queue_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by mutex_
    std::thread timer_;
};

}  // namespace hashsink::app
