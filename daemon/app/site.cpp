#include "daemon/app/site.hpp"

#include <thread>

#include "adapters/miners/registry.hpp"
#include "adapters/sensors/registry.hpp"
#include "daemon/core/log.hpp"
#include "policies/registry.hpp"

namespace hashsink::app {

loop::LoopSettings loop_settings(const config::SiteConfig& cfg) {
    loop::LoopSettings s;
    s.period = cfg.site.get_duration("period", Duration{1000});
    s.limits.max_draw_w = cfg.site.get_number("max_draw_w");
    s.limits.safe_state = cfg.site.get_string("safe_state", "paused") == "minimum"
                              ? loop::SafeState::minimum
                              : loop::SafeState::paused;
    s.limits.min_dwell = cfg.governor.get_duration("min_dwell", Duration{30'000});
    s.limits.ramp_up_w_per_s = cfg.governor.get_number("ramp_up_w_per_s");
    s.priority = cfg.governor.get_list("priority");
    s.start_margin_w = cfg.governor.get_number("start_margin_w");
    // Enough threads that a few slow miners never hold up the rest, bounded for a small box.
    std::size_t miners = cfg.miners.size();
    s.miner_threads = std::clamp<std::size_t>(miners / 8, 4, 64);
    return s;
}

Result<std::unique_ptr<Site>> Site::build(const config::SiteConfig& cfg,
                                          const SiteOverrides& overrides, const Clock& clock) {
    std::unique_ptr<Site> site(new Site());
    site->listen_ = overrides.listen.empty() ? cfg.web.get_string("listen", "127.0.0.1:8080")
                                             : overrides.listen;
    if (!cfg.web.get_bool("enabled", true)) site->listen_.clear();

    journal::JournalOptions jo;
    jo.path = overrides.db_path.empty() ? cfg.journal.get_string("path", "hashsink.db")
                                        : overrides.db_path;
    jo.commit_interval = cfg.journal.get_duration("commit_interval", Duration{500});
    jo.retention = cfg.journal.get_duration("retention", jo.retention);
    auto j = journal::Journal::open(jo);
    if (!j) return j.error();
    site->journal_ = std::move(*j);
    site->recorder_ = std::make_unique<journal::JournalRecorder>(*site->journal_);

    const auto* policy_type = policies::find_policy_type(cfg.policy);
    if (policy_type == nullptr)
        return Status::error(ErrorCode::invalid, "policy " + cfg.policy + ": unknown", false);
    site->loop_ = std::make_unique<loop::ControlLoop>(loop_settings(cfg),
                                                      policy_type->make(cfg.policy_options), clock,
                                                      *site->recorder_);

    for (const auto& src : cfg.sources) {
        const auto* type = sensors::find_source_type(src.kind);
        if (type == nullptr)
            return Status::error(ErrorCode::invalid, "source " + src.id + ": unknown type " + src.kind, false);
        site->loop_->add_source({src.id, src.kind, src.common.get_duration("poll_interval", Duration{1000}),
                                 src.common.get_duration("max_age", Duration{5000})},
                                type->make(src.id, src.options));
    }
    const Duration miner_poll = cfg.site.get_duration("miner_poll_interval", Duration{5000});
    for (const auto& m : cfg.miners) {
        if (!m.common.get_bool("enabled", true)) continue;
        const auto* type = miners::find_driver_type(m.kind);
        if (type == nullptr)
            return Status::error(ErrorCode::invalid, "miner " + m.id + ": unknown driver " + m.kind, false);
        site->loop_->add_miner({m.id, m.kind, miner_poll, m.common.get_number("max_power_w"),
                                m.common.get_number("min_power_w")},
                               type->make(m.id, m.options));
    }
    if (!site->listen_.empty())
        site->web_ = std::make_unique<web::WebServer>(site->loop_->status_board(), clock);
    return site;
}

Site::~Site() { stop(); }

Status Site::start() {
    if (web_) {
        if (auto st = web_->start(listen_); !st) return st;
    }
    loop_->start();
    return {};
}

void Site::stop() {
    if (web_) web_->stop();
    if (loop_) loop_->stop();
    if (journal_) journal_->flush();
}

}  // namespace hashsink::app
