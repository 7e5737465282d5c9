// Wiring: a validated SiteConfig becomes a running site (journal, control loop, web server).
// One path for `run` and `demo`, so the demo exercises exactly what a user runs.
#pragma once

#include <memory>
#include <string>

#include "daemon/journal/journal_recorder.hpp"
#include "daemon/config/config.hpp"
#include "daemon/loop/control_loop.hpp"
#include "web/server.hpp"

namespace hashsink::app {

struct SiteOverrides {
    std::string db_path;        // --db, replaces journal.path when set
    std::string listen;         // replaces web.listen when set
};

class Site {
public:
    // Builds everything from the config. Errors name what failed (journal, web, a plugin).
    static Result<std::unique_ptr<Site>> build(const config::SiteConfig& cfg,
                                               const SiteOverrides& overrides, const Clock& clock);
    ~Site();

    Status start();             // web server, then the loop
    void stop();
    loop::ControlLoop& loop() { return *loop_; }
    journal::Journal& journal() { return *journal_; }
    int web_port() const { return web_ ? web_->port() : 0; }

private:
    Site() = default;
    std::string listen_;
    std::unique_ptr<journal::Journal> journal_;
    std::unique_ptr<journal::JournalRecorder> recorder_;
    std::unique_ptr<loop::ControlLoop> loop_;
    std::unique_ptr<web::WebServer> web_;
};

// Loop settings from the [site] and [governor] sections.
loop::LoopSettings loop_settings(const config::SiteConfig& cfg);

}  // namespace hashsink::app
