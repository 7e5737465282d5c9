// Wiring: a validated SiteConfig becomes a running site (journal, control loop, web server).
// One path for `run` and `demo`, so the demo exercises exactly what a user runs.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "adapters/external/external_bridge.hpp"
#include "daemon/config/config.hpp"
#include "daemon/journal/journal_recorder.hpp"
#include "daemon/loop/control_loop.hpp"
#include "web/server.hpp"
#include "web/site_control.hpp"

namespace hashsink::app {

// The journal's options from its config section (the path as configured).
journal::JournalOptions journal_options(const config::JournalSection& section);

struct SiteOverrides {
    std::string db_path;        // --db, replaces journal.path when set
    std::string listen;         // replaces web.listen when set
    std::string setup_code;     // the first run's setup code; empty: a random one
};

// What a reload did, for the page and the log.
struct ReloadSummary {
    std::vector<std::string> kept, added, removed;      // "miner x", "source y"
    bool policy_rebuilt = false;
    std::vector<std::string> restart_needed;            // keys that only take effect at restart
    std::string text() const;
};

class StatusPublisher;
namespace sparkplug {
class EdgeNode;
}
class ModbusServer;

class Site {
public:
    // Builds everything from the config. Errors name what failed (journal, web, a plugin).
    static Result<std::unique_ptr<Site>> build(const config::SiteConfig& cfg,
                                               const SiteOverrides& overrides, const Clock& clock);
    ~Site();

    Status start();  // web server, then the loop, then [publish], [sparkplug], [modbus_server]
    void stop();
    // Applies a new validated config to the running site between two ticks: only what changed
    // is rebuilt; the loop's state, the policy memory and the journal carry on. Safe from any
    // thread (the web server calls it).
    Result<ReloadSummary> reload(const config::SiteConfig& cfg);
    config::SiteConfig config() const;
    loop::ControlLoop& loop() { return *loop_; }
    journal::Journal& journal() { return *journal_; }
    int web_port() const { return web_ ? web_->port() : 0; }
    // [publish]'s health (StatusPublisher::health); nullopt while it does not run.
    std::optional<Status> publish_health() const;
    // [modbus_server]'s port (0: it does not run).
    int modbus_port() const;

private:
    Site() = default;
    // Builds, keeps or drops the external policy's MQTT bridge to match cfg.
    void update_external_bridge(const config::SiteConfig& cfg, const config::SiteConfig* old);
    void start_edge_node(const config::SiteConfig& cfg);

    mutable std::mutex config_mutex_;
    config::SiteConfig config_;       // what runs now; guarded by config_mutex_
    std::string listen_;
    std::unique_ptr<journal::Journal> journal_;
    std::unique_ptr<journal::JournalRecorder> recorder_;
    std::unique_ptr<loop::ControlLoop> loop_;
    const Clock* clock_ = nullptr;
    std::mutex bridge_mutex_;
    std::shared_ptr<external::ExternalBridge> bridge_;   // guarded by bridge_mutex_
    mutable std::mutex publisher_mutex_;
    std::unique_ptr<StatusPublisher> publisher_;  // [publish]; guarded by publisher_mutex_
    std::unique_ptr<sparkplug::EdgeNode> edge_node_;  // [sparkplug]; guarded by publisher_mutex_
    std::unique_ptr<ModbusServer> modbus_;            // [modbus_server]; set by start() only
    std::unique_ptr<web::SiteControl> control_;
    std::unique_ptr<web::WebServer> web_;       // last: destroyed first
};

}  // namespace hashsink::app
