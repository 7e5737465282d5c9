#include "adapters/transport/mqtt_publish_queue.hpp"

#include <algorithm>

#include "daemon/core/log.hpp"

namespace hashsink::transport {

MqttPublishQueue::MqttPublishQueue(std::shared_ptr<MqttClient> client, std::size_t depth,
                                   std::string component, HealthHandler on_health)
    : client_(std::move(client)),
      depth_(std::max<std::size_t>(1, depth)),
      component_(std::move(component)),
      on_health_(std::move(on_health)),
      thread_([this] { run(); }) {}

MqttPublishQueue::~MqttPublishQueue() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void MqttPublishQueue::push(OutgoingMessage message) noexcept {
    try {
        {
            std::lock_guard lock(mutex_);
            if (queue_.size() >= depth_) {
                queue_.pop_front();
                ++counters_.dropped;
            }
            queue_.push_back(std::move(message));
        }
        wake_.notify_one();
    } catch (const std::exception& e) {
        log::error(component_, std::string("queue a message: ") + e.what());
    }
}

void MqttPublishQueue::run() {
    bool failing = false;
    while (true) {
        OutgoingMessage m;
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            m = std::move(queue_.front());
            queue_.pop_front();
        }
        // May wait for the broker's acknowledgement (QoS 1): on this thread, never the caller's.
        Status st = client_->publish(m.topic, m.payload, m.qos, m.retained);
        {
            std::lock_guard lock(mutex_);
            ++(st.ok() ? counters_.published : counters_.failed);
        }
        if (st.ok() == failing) {
            // The client's error names the broker and the topic.
            if (failing)
                log::info(component_, "publishing again");
            else
                log::warn(component_, st.message);
            if (on_health_) on_health_(st);
        }
        failing = !st.ok();
    }
}

PublishCounters MqttPublishQueue::counters() const {
    std::lock_guard lock(mutex_);
    return counters_;
}

}  // namespace hashsink::transport
