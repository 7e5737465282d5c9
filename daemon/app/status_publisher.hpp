// [publish]: the loop's status over MQTT for the wider world (Home Assistant, Node-RED, a
// dashboard). Every `interval` a timer thread reads the latest status from the board and queues
// <prefix>/status (a compact summary), <prefix>/miner/<id> and <prefix>/zone/<id>; a bounded
// queue with its own thread sends them (transport::MqttPublishQueue), so a dead broker costs
// dropped messages, never a stalled loop. Availability is the connection's: the broker key
// `status_topic` holds a retained "online" while connected and the last will "offline".
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/transport/mqtt_publish_queue.hpp"
#include "daemon/app/mqtt_control.hpp"
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
    // Home Assistant MQTT discovery (daemon/app/home_assistant.hpp).
    bool home_assistant = false;
    std::string discovery_prefix;  // without a trailing '/'
    std::string node_id;           // empty: made from the prefix
    std::string currency;          // ISO 4217 code for the hash revenue; empty: none
    // Commands on <prefix>/.../set (daemon/app/mqtt_control.hpp).
    bool control = false;
    // A fleet's commands (daemon/app/fleet_command.hpp, docs/fleet.md): this site's share of
    // a curtailment on fleet_topic, acknowledged on <prefix>/fleet/ack.
    bool fleet_commands = false;
    std::string fleet_topic;
    std::string site_id;  // this site's name in the fleet; empty: the prefix's last level
};

// [publish]: its own keys and the shared MQTT broker keys, with their defaults.
const Settings<PublishConfig>& publish_settings();
KeyTable publish_keys();
PublishConfig publish_config_from(const Options& options);

// Pure: the messages one status makes (status, then each miner, then each zone).
// override_minutes: how long each miner's plain override command lasts (MQTT control), by id.
std::vector<transport::OutgoingMessage> status_messages(
    const loop::LoopStatus& status, const PublishConfig& config, TimePoint now,
    const std::map<std::string, int>& override_minutes = {});

// Carries out a command taken over MQTT (the site's override, a miner's command).
using CommandHandler = std::function<Status(const ControlCommand&)>;

class StatusPublisher {
public:
    // Connects in the background; a bad prefix or a client id clash is a setup error.
    // expected_messages sizes the queue (two rounds of one status, the miners and the zones).
    // Publishing that starts failing, and works again, is journalled on `recorder`
    // (publish.failing, publish.resumed).
    // With config.control, on_command carries out what arrives on the command topics.
    StatusPublisher(PublishConfig config, const loop::StatusBoard& board, const Clock& clock,
                    std::size_t expected_messages, loop::Recorder& recorder,
                    CommandHandler on_command = {});
    ~StatusPublisher();
    StatusPublisher(const StatusPublisher&) = delete;
    StatusPublisher& operator=(const StatusPublisher&) = delete;

    const Status& setup_status() const { return setup_; }
    transport::PublishCounters counters() const;
    // The setup error, else the latest publish's error while publishing fails, else success.
    Status health() const;

private:
    void run();
    void subscribe();
    // Home Assistant: (re)announces when due (true then), and clears configs no longer
    // announced.
    bool announce(const loop::LoopStatus& status);
    void clear_stale_configs();
    void on_command_message(const transport::MqttMessage& message);
    void on_fleet_message(const transport::MqttMessage& message);
    void refuse(const std::string& topic, const std::string& why);
    void wake(bool announce);

    PublishConfig config_;
    const loop::StatusBoard& board_;
    const Clock& clock_;
    Status setup_;
    loop::Recorder& recorder_;
    mutable std::mutex health_mutex_;
    Status health_;  // guarded by health_mutex_; written on the queue's thread
    std::shared_ptr<transport::MqttClient> client_;
    std::unique_ptr<transport::MqttPublishQueue> queue_;
    CommandHandler on_command_;
    std::vector<std::uint64_t> subscriptions_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;                        // guarded by mutex_
    bool publish_now_ = false;                     // guarded: a command changed something to show
    bool announce_now_ = false;                    // guarded: Home Assistant came online
    std::map<std::string, int> override_minutes_;  // guarded
    std::set<std::string> seen_configs_;           // guarded: retained configs on the broker
    TimePoint refusal_window_{};                   // guarded: refused commands journalled
    int refusals_ = 0;                             //   in the current minute
    // Timer thread only: what was announced, on which connection, for which fleet.
    std::set<std::string> announced_;
    std::uint64_t announced_connection_ = 0;
    std::string announced_fleet_;
    std::thread timer_;
};

}  // namespace hashsink::app
