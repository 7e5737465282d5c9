#include "adapters/external/external_bridge.hpp"

#include <algorithm>

#include "adapters/external/reply_codec.hpp"
#include "adapters/sensors/mqtt_broker_keys.hpp"
#include "daemon/core/log.hpp"

namespace hashsink::external {
namespace {

constexpr std::size_t kRemembered = 64;     // snapshots a reply may still answer
constexpr std::size_t kPendingRefusals = 16;

std::string check_prefix(const OptionValue& v) {
    const auto* p = std::get_if<std::string>(&v);
    if (!p || p->empty()) return "must not be empty";
    if (p->find_first_of("+#") != std::string::npos) return "must not hold MQTT wildcards (+, #)";
    return {};
}

}  // namespace

// What the MQTT thread hands to the loop: the latest good reply and the refusals since.
struct ExternalBridge::Cell {
    std::mutex mutex;
    std::optional<ExternalReply> reply;
    std::string refused;                    // the latest message's refusal; cleared by a good one
    std::vector<std::string> new_refusals;  // since the last snapshot, bounded
    std::uint64_t replies = 0, refusals = 0;

    void refuse(const std::string& why) {
        std::lock_guard lock(mutex);
        refused = why;
        ++refusals;
        if (new_refusals.size() < kPendingRefusals) new_refusals.push_back(why);
    }
};

const Settings<BridgeConfig>& bridge_settings() {
    static const auto settings =
        Settings<BridgeConfig>{}
            .bind(&BridgeConfig::prefix,
                  {.name = "prefix",
                   .doc = "topic prefix: snapshots go to <prefix>/snapshot, replies come from "
                          "<prefix>/decision",
                   .fallback = std::string("hashsink/site1/policy"),
                   .check = check_prefix})
            .bind(&BridgeConfig::qos,
                  {.name = "qos",
                   .doc = "MQTT QoS of the published snapshots (0: at most once, 1: at least "
                          "once); never retained",
                   .fallback = std::int64_t{0},
                   .min = 0,
                   .max = 1})
            .nest(&BridgeConfig::broker, sensors::mqtt::broker_settings());
    return settings;
}

KeyTable bridge_keys(KeyTable t) {
    const KeyTable& own = bridge_settings().keys();
    t.insert(t.end(), own.begin(), own.end());
    return t;
}

BridgeConfig bridge_config_from(const Options& options, Duration deadline) {
    BridgeConfig c = bridge_settings().from(options);
    c.deadline = deadline;
    return c;
}

ExternalBridge::ExternalBridge(BridgeConfig config, const Clock& clock)
    : config_(std::move(config)), clock_(clock), cell_(std::make_shared<Cell>()) {
    while (!config_.prefix.empty() && config_.prefix.back() == '/') config_.prefix.pop_back();
    snapshot_topic_ = config_.prefix + "/snapshot";
    decision_topic_ = config_.prefix + "/decision";
    const std::string ctx = "external " + config_.prefix + ": ";
    if (config_.prefix.empty()) {
        setup_ = Status::error(ErrorCode::invalid, ctx + "prefix is empty", false);
        return;
    }
    auto client = sensors::mqtt::connect_for_topic(config_.broker, decision_topic_, "");
    if (!client) {
        setup_ = client.error();
        setup_.message = ctx + setup_.message;
        return;
    }
    client_ = *client;
    // The handlers hold the cell, not the bridge: a message racing the bridge's destruction
    // writes into a cell nobody reads.
    std::weak_ptr<Cell> weak = cell_;
    const Clock* clk = &clock_;
    const std::string topic = decision_topic_;
    subscription_ = client_->subscribe(
        decision_topic_, 1,
        [weak, clk, topic](const transport::MqttMessage& m) {
            auto cell = weak.lock();
            if (!cell) return;
            auto reply = parse_reply(m.payload);
            if (!reply) {
                cell->refuse("refused " + topic + ": " + reply.error().message);
                return;
            }
            reply->received_at = clk->now();
            std::lock_guard lock(cell->mutex);
            cell->reply = std::move(*reply);
            cell->refused.clear();
            ++cell->replies;
        },
        [weak](const std::string& t, const std::string& why) {
            if (auto cell = weak.lock()) cell->refuse("refused " + t + ": " + why);
        });
    queue_ = std::make_unique<transport::MqttPublishQueue>(client_, config_.queue_depth,
                                                           "external");
}

ExternalBridge::~ExternalBridge() {
    if (client_ && subscription_ != 0) client_->unsubscribe(subscription_);
}

void ExternalBridge::move_times(Duration step) noexcept {
    for (auto& [seq, at] : published_) move_by(at, step);
    std::lock_guard lock(cell_->mutex);
    if (cell_->reply) move_by(cell_->reply->received_at, step);
}

std::vector<std::string> ExternalBridge::on_snapshot(SiteSnapshot& snap) noexcept {
    std::vector<std::string> refusals;
    try {
        ExternalLink link;
        link.published_seq = seq_;
        {
            std::lock_guard lock(cell_->mutex);
            link.reply = cell_->reply;
            link.refused = cell_->refused;
            refusals.swap(cell_->new_refusals);
        }
        if (!setup_.ok()) link.refused = setup_.message;
        if (link.reply) {
            for (const auto& [seq, at] : published_)
                if (seq == link.reply->seq) link.reply->answered_at = at;
        }
        snap.external = std::move(link);
        for (const auto& why : refusals) log::warn("external", why);
        if (!client_) return refusals;

        // Publish this snapshot; its answer is judged at a later tick.
        ++seq_;
        published_.emplace_back(seq_, snap.now);
        while (published_.size() > kRemembered) published_.pop_front();
        std::string payload = snapshot_json(snap, seq_, config_.deadline, decision_topic_);
        queue_->push({snapshot_topic_, std::move(payload), config_.qos, false});
    } catch (const std::exception& e) {
        log::error("external", std::string("snapshot: ") + e.what());
    }
    return refusals;
}

BridgeCounters ExternalBridge::counters() const {
    BridgeCounters c;
    if (queue_) {
        const auto q = queue_->counters();
        c.published = q.published;
        c.dropped = q.dropped;
        c.failed = q.failed;
    }
    std::lock_guard lock(cell_->mutex);
    c.replies = cell_->replies;
    c.refused = cell_->refusals;
    return c;
}

}  // namespace hashsink::external
