// `hashsink fleet`: the central view of many sites (docs/fleet.md). It subscribes, on the
// central broker the sites are bridged to, to every site's <prefix>/status and
// <prefix>/fleet/ack, shows each site's power, state and alarms, and sends fleet-wide
// curtailments (split over the sites, fleet_command.hpp) that each site acknowledges.
// FleetView keeps the state (thread-safe, no I/O); FleetServer is the MQTT session and the page.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "adapters/transport/mqtt_client.hpp"
#include "daemon/app/fleet_command.hpp"
#include "daemon/core/time.hpp"
#include "web/guarded_server.hpp"

namespace hashsink::app {

struct FleetSettings {
    transport::MqttSettings broker;    // the central broker
    std::string sites = "hashsink/+";  // a filter matching every site's prefix
    std::string command_topic = "hashsink/fleet/command";
    Duration stale_after{60'000};  // a site silent this long is flagged
    std::string token;             // commands need `Authorization: Bearer` this
};

class FleetView {
public:
    explicit FleetView(Duration stale_after) : stale_after_(stale_after) {}
    // A site's status (its JSON, as <prefix>/status carries it) or acknowledgement; false when
    // the payload is not one.
    bool take_status(const std::string& prefix, std::string_view payload, TimePoint now);
    bool take_ack(std::string_view payload);
    // Every site's power, state and alarms; the latest command and who acknowledged it.
    nlohmann::json report(TimePoint now) const;
    // A curtailment of the whole fleet to total_w, split by what each site draws now. An error
    // when no site is known.
    Result<FleetCommand> curtail(double total_w, std::optional<TimePoint> until, std::string id);
    FleetCommand clear(std::string id);
    void sent(const FleetCommand& command, TimePoint at);

private:
    struct Site {
        std::string prefix;
        nlohmann::json status;
        TimePoint status_at{};
        std::optional<FleetAck> ack;  // to the latest command
    };
    mutable std::mutex mutex_;
    Duration stale_after_;
    std::map<std::string, Site> sites_;    // by site id; guarded
    std::optional<FleetCommand> command_;  // the latest sent; guarded
    TimePoint command_at_{};
};

class FleetServer {
public:
    FleetServer(FleetSettings settings, const Clock& clock);
    ~FleetServer();
    // Connects in the background and serves the page on host:port (port 0: a free one).
    Status start(const std::string& host, int port);
    int port() const { return port_; }
    void stop();

private:
    void routes();
    Status send(const FleetCommand& command);

    FleetSettings settings_;
    const Clock& clock_;
    FleetView view_;
    std::shared_ptr<transport::MqttClient> client_;
    web::GuardedServer http_;
    std::thread http_thread_;
    int port_ = 0;
};

}  // namespace hashsink::app
