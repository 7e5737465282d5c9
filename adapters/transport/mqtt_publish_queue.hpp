// A bounded queue of MQTT messages drained by its own thread, so whoever queues (the loop, a
// status timer) never waits on the network: when the queue is full the oldest message is
// dropped and counted; a publish that fails (broker down) is counted and logged once per outage.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "adapters/transport/mqtt_client.hpp"

namespace hashsink::transport {

struct PublishCounters {
    std::uint64_t published = 0;  // messages the broker took
    std::uint64_t dropped = 0;    // dropped unsent (queue full)
    std::uint64_t failed = 0;     // publishes that failed (broker down)
};

struct OutgoingMessage {
    std::string topic;
    std::string payload;
    int qos = 0;
    bool retained = false;
};

class MqttPublishQueue {
public:
    // Called on the queue's thread when publishing starts failing (with the error) and when it
    // works again (success); it must return at once and not throw.
    using HealthHandler = std::function<void(const Status&)>;

    // component names the log lines ("external", "publish").
    MqttPublishQueue(std::shared_ptr<MqttClient> client, std::size_t depth, std::string component,
                     HealthHandler on_health = {});
    ~MqttPublishQueue();  // drops what is still queued and joins
    MqttPublishQueue(const MqttPublishQueue&) = delete;
    MqttPublishQueue& operator=(const MqttPublishQueue&) = delete;

    // Returns at once.
    void push(OutgoingMessage message) noexcept;
    PublishCounters counters() const;

private:
    void run();

    std::shared_ptr<MqttClient> client_;
    std::size_t depth_;
    std::string component_;
    HealthHandler on_health_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<OutgoingMessage> queue_;  // guarded by mutex_
    bool stopping_ = false;              // guarded by mutex_
    PublishCounters counters_;           // guarded by mutex_
    std::thread thread_;
};

}  // namespace hashsink::transport
