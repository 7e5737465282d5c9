// [sparkplug]: the site as a Sparkplug B 3.0 edge node, so a SCADA host (Ignition and the like)
// takes it in without custom work. One MQTT connection of its own: its last will is NDEATH with
// the connection's bdSeq; after each connect (and on a host's rebirth request, a fleet change,
// or the primary host coming back) NBIRTH and a DBIRTH per online miner; then every `interval`
// what changed, as NDATA and DDATA, with DDEATH and DBIRTH as miners drop off and return. While
// the primary host's STATE says offline (or the broker is away) the changes are stored, bounded,
// and sent after the next births flagged is_historical. NCMD and DCMD writes take the governed
// command paths (the site limit, a miner's commands); refusals are logged and journalled.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/transport/mqtt_client.hpp"
#include "daemon/app/sparkplug/sparkplug_metrics.hpp"
#include "daemon/core/settings.hpp"
#include "daemon/loop/recorder.hpp"
#include "daemon/loop/status.hpp"

namespace hashsink::app::sparkplug {

struct SparkplugConfig {
    bool enabled = false;
    transport::MqttSettings broker;
    std::string group_id;
    std::string edge_node_id;
    std::string primary_host_id;  // empty: publish whenever connected
    Duration interval{};
    std::size_t store_limit = 0;  // stored messages kept while the host is away
};

const Settings<SparkplugConfig>& sparkplug_settings();
KeyTable sparkplug_keys();
SparkplugConfig sparkplug_config_from(const Options& options);

// The governed paths a host's writes take (the site's limit for source "sparkplug"; nullopt
// clears it), and a miner's command.
using SiteLimitHandler = std::function<Status(std::optional<double> limit_w)>;
using MinerCommandHandler = std::function<Status(const loop::MinerCommandChange&)>;

struct EdgeNodeCounters {
    std::uint64_t published = 0;
    std::uint64_t failed = 0;
    std::uint64_t stored = 0;   // data messages held for the host
    std::uint64_t dropped = 0;  // stored ones dropped, oldest first, when the store was full
};

class EdgeNode {
public:
    EdgeNode(SparkplugConfig config, const loop::StatusBoard& board, const Clock& clock,
             loop::Recorder& recorder, SiteLimitHandler on_site_limit,
             MinerCommandHandler on_miner);
    ~EdgeNode();  // NDEATH (a clean goodbye), then its threads end
    EdgeNode(const EdgeNode&) = delete;
    EdgeNode& operator=(const EdgeNode&) = delete;

    const Status& setup_status() const { return setup_; }
    EdgeNodeCounters counters() const;

private:
    struct Stored {
        std::string device;  // empty: the node's
        std::vector<Metric> metrics;
        std::uint64_t at_ms = 0;
    };

    void run();
    void round(const loop::LoopStatus& status);
    void births(const std::vector<Metric>& node, const std::vector<loop::MinerStatus>& miners,
                const std::vector<std::vector<Metric>>& devices);
    void data(const std::vector<Metric>& node, const std::vector<loop::MinerStatus>& miners,
              const std::vector<std::vector<Metric>>& devices);
    void store(const std::vector<Metric>& node, const std::vector<loop::MinerStatus>& miners,
               const std::vector<std::vector<Metric>>& devices);
    void keep(std::string device, std::vector<Metric> metrics);
    void forward_stored();
    bool send(const char* type, const std::string& device, pb::Payload payload);
    void on_command(const transport::MqttMessage& message);
    void on_state(const transport::MqttMessage& message);
    void carry_out(const Commands& commands, const std::string& where);
    void refuse(const std::string& where, const std::string& why);
    void wake();

    SparkplugConfig config_;
    const loop::StatusBoard& board_;
    const Clock& clock_;
    loop::Recorder& recorder_;
    SiteLimitHandler on_site_limit_;
    MinerCommandHandler on_miner_;
    Status setup_;
    std::uint64_t next_bd_seq_ = 0;         // the will's maker (the client's thread)
    std::atomic<std::uint64_t> bd_seq_{0};  // the latest CONNECT's
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;                // guarded by mutex_
    bool rebirth_ = false;                 // guarded: a host asked for births
    bool poke_ = false;                    // guarded: a write changed something
    bool host_online_ = false;             // guarded: the primary host's STATE
    std::uint64_t host_timestamp_ms_ = 0;  // guarded: that STATE's timestamp
    EdgeNodeCounters counters_;            // guarded
    TimePoint refusal_window_{};           // guarded: refusals journalled
    int refusals_ = 0;                     //   in the current minute
    // The timer thread's own.
    bool born_ = false;
    std::uint64_t born_connection_ = 0;
    std::string born_fleet_;
    std::set<std::string> born_devices_;
    std::vector<Metric> last_node_;
    std::map<std::string, std::vector<Metric>> last_devices_;
    std::deque<Stored> stored_;
    std::uint8_t seq_ = 0;
    std::uint64_t last_tick_ = 0;
    std::unique_ptr<transport::MqttClient> client_;
    std::thread timer_;
};

}  // namespace hashsink::app::sparkplug
