// The external policy's MQTT bridge. Each tick it publishes the frozen snapshot as JSON to
// <prefix>/snapshot (retain off, QoS from the config) and carries the latest reply from
// <prefix>/decision into the snapshot (SiteSnapshot::external) for the pure policy to judge.
// The loop thread never waits on the network: publishing goes through a bounded queue drained
// by the bridge's own thread (oldest dropped and counted when full); replies land in a
// latest-value cell on the MQTT client's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "adapters/transport/mqtt_client.hpp"
#include "adapters/transport/mqtt_publish_queue.hpp"
#include "daemon/core/settings.hpp"
#include "daemon/core/snapshot.hpp"

namespace hashsink::external {

struct BridgeConfig {
    transport::MqttSettings broker;
    std::string prefix;
    int qos = 0;
    Duration deadline{};            // the policy's; told to the controller in every snapshot
    std::size_t queue_depth = 8;    // snapshots waiting to go out; older ones are dropped
};

// The bridge's own keys (prefix, qos) and the shared MQTT broker keys, with their defaults.
const Settings<BridgeConfig>& bridge_settings();
// [policy.external]: the policy's own keys, then the bridge's.
KeyTable bridge_keys(KeyTable policy_keys);
// deadline: the policy's own (policies::ExternalSettings), which the bridge cannot see.
BridgeConfig bridge_config_from(const Options& options, Duration deadline);

struct BridgeCounters {
    std::uint64_t published = 0;    // snapshots the broker took
    std::uint64_t dropped = 0;      // snapshots dropped unsent (queue full)
    std::uint64_t failed = 0;       // publishes that failed (broker down)
    std::uint64_t replies = 0;      // well-formed replies received
    std::uint64_t refused = 0;      // messages refused (bad JSON, wrong shape, too big)
};

class ExternalBridge {
public:
    // Connects in the background (the shared client for these broker settings); a bad prefix or
    // a client id clash is a setup error, reported by setup_status() and on every snapshot.
    ExternalBridge(BridgeConfig config, const Clock& clock);
    ~ExternalBridge();
    ExternalBridge(const ExternalBridge&) = delete;
    ExternalBridge& operator=(const ExternalBridge&) = delete;

    const Status& setup_status() const { return setup_; }
    const BridgeConfig& config() const { return config_; }

    // On the loop thread, before the policy decides: sets snapshot.external from the latest
    // reply, then queues the snapshot for publishing. Returns at once. The result lists the
    // messages refused since the last call ("refused <topic>: <why>"), for the journal.
    std::vector<std::string> on_snapshot(SiteSnapshot& snapshot) noexcept;

    BridgeCounters counters() const;
    // Loop thread: the wall clock stepped (Clock::resync); the reply's and the published
    // snapshots' times move with it, so the reply deadline keeps measuring the real wait.
    void move_times(Duration step) noexcept;

private:
    struct Cell;

    BridgeConfig config_;
    const Clock& clock_;
    Status setup_;
    std::string snapshot_topic_, decision_topic_;
    std::shared_ptr<Cell> cell_;
    std::shared_ptr<transport::MqttClient> client_;
    // The reply subscription on the shared client, dropped with the bridge: a reload makes a
    // new bridge on the same client and must not leave the old one's handler behind.
    std::uint64_t subscription_ = 0;

    // Loop thread only: the recent snapshots by seq, to match a reply to the one it answers.
    std::uint64_t seq_ = 0;
    std::deque<std::pair<std::uint64_t, TimePoint>> published_;

    std::unique_ptr<transport::MqttPublishQueue> queue_;   // set once connected
};

}  // namespace hashsink::external
