// One MQTT topic's latest message, for the MQTT source types. MQTT pushes: each message is
// parsed on the client's thread into a latest-value cell, and collect() only reads that cell, so
// it returns at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "adapters/sensors/mqtt_broker_keys.hpp"
#include "adapters/transport/mqtt_client.hpp"
#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"

namespace hashsink::sensors::mqtt {

// The setup error, else unreachable while not connected, else timeout before the first
// message; ctx prefixes the message.
Status topic_status(const Status& setup_error, const transport::MqttClient* client, bool any,
                    const std::string& ctx);

template <class T>
class TopicCell {
public:
    struct Reading {
        std::optional<T> value;  // empty: the latest message gave none (see problem)
        std::string problem;     // why the latest message gave no value
        // When it came, on the monotonic clock: its age must not change when the wall clock
        // steps.
        std::chrono::steady_clock::time_point received{};
        bool any = false;  // a message or a subscription error has come

        Duration age() const {
            return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() -
                                                        received);
        }
    };
    // Runs on the MQTT thread; an error's message becomes the reading's problem.
    using Parse = std::function<Result<T>(std::string_view payload)>;

    // Checks the topic and JSON pointer, then subscribes on the broker's shared connection. A
    // failure is kept as the setup error that status() reports.
    TopicCell(const transport::MqttSettings& broker, const std::string& topic,
              const std::string& json_pointer, Parse parse)
        : state_(std::make_shared<State>()) {
        auto client = connect_for_topic(broker, topic, json_pointer);
        if (!client) {
            setup_error_ = client.error();
            return;
        }
        client_ = *client;
        // The handlers hold the state, not the source: a message racing the source's
        // destruction writes into a cell nobody reads.
        std::weak_ptr<State> weak = state_;
        subscription_ = client_->subscribe(
            topic, 1,
            [weak, parse = std::move(parse)](const transport::MqttMessage& m) {
                auto state = weak.lock();
                if (!state) return;
                Reading r;
                auto parsed = parse(m.payload);
                if (parsed)
                    r.value = std::move(*parsed);
                else
                    r.problem = parsed.error().message;
                r.received = std::chrono::steady_clock::now();
                r.any = true;
                std::lock_guard lock(state->mutex);
                state->reading = std::move(r);
            },
            [weak](const std::string&, const std::string& why) {
                auto state = weak.lock();
                if (!state) return;
                Reading r;
                r.problem = why;
                r.received = std::chrono::steady_clock::now();
                r.any = true;
                std::lock_guard lock(state->mutex);
                state->reading = std::move(r);
            });
    }

    // Drops the subscription: a reload's new source on the same shared client must not leave
    // the old one's handler behind.
    ~TopicCell() {
        if (client_ && subscription_ != 0) client_->unsubscribe(subscription_);
    }
    TopicCell(const TopicCell&) = delete;
    TopicCell& operator=(const TopicCell&) = delete;

    Reading latest() const {
        std::lock_guard lock(state_->mutex);
        return state_->reading;
    }

    // See topic_status.
    Status status(const std::string& ctx) const {
        bool any;
        {
            std::lock_guard lock(state_->mutex);
            any = state_->reading.any;
        }
        return topic_status(setup_error_, client_.get(), any, ctx);
    }

private:
    struct State {
        std::mutex mutex;
        Reading reading;
    };
    std::shared_ptr<State> state_;
    std::shared_ptr<transport::MqttClient> client_;
    std::uint64_t subscription_ = 0;
    Status setup_error_;
};

}  // namespace hashsink::sensors::mqtt
