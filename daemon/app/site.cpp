#include "daemon/app/site.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <thread>

#include "adapters/miners/registry.hpp"
#include "adapters/miners/secret_file.hpp"
#include "adapters/sensors/registry.hpp"
#include "daemon/app/catalog.hpp"
#include "daemon/app/modbus_server.hpp"
#include "daemon/app/sd_notify.hpp"
#include "daemon/app/sparkplug/edge_node.hpp"
#include "daemon/app/status_publisher.hpp"
#include "daemon/app/web_control.hpp"
#include "daemon/core/log.hpp"
#include "policies/external/external.hpp"
#include "policies/layered/layered.hpp"
#include "policies/registry.hpp"

namespace hashsink::app {

namespace {

bool same_plugin(const config::PluginConfig& a, const config::PluginConfig& b) {
    return a.id == b.id && a.kind == b.kind && a.common.values() == b.common.values() &&
           a.options.values() == b.options.values();
}

const config::PluginConfig* find_plugin(const std::vector<config::PluginConfig>& v,
                                        const std::string& id) {
    for (const auto& p : v)
        if (p.id == id) return &p;
    return nullptr;
}

// Whether the policy must be built again: its name, options, tables or the site's time zone
// (part of the policies' settings too) differ.
bool policy_differs(const config::SiteConfig& cfg, const config::SiteConfig& old) {
    if (old.policy != cfg.policy || old.policy_options.values() != cfg.policy_options.values())
        return true;
    if (old.policy_tables.size() != cfg.policy_tables.size()) return true;
    for (const auto& [name, o] : cfg.policy_tables) {
        auto it = old.policy_tables.find(name);
        if (it == old.policy_tables.end() || it->second.values() != o.values()) return true;
    }
    const auto& site = config::site_settings();
    return site.from(old.site).timezone != site.from(cfg.site).timezone;
}

void note(ReloadSummary* summary, std::vector<std::string> ReloadSummary::*list,
          const std::string& what) {
    if (summary) (summary->*list).push_back(what);
}

// A device from its registry entry (`type`, nullptr: unknown, refused with `unknown`).
template <class Type>
auto make_device(const Type* type, const config::PluginConfig& p, const std::string& unknown)
    -> Result<decltype(type->make(p.id, p.options))> {
    if (type == nullptr) return Status::error(ErrorCode::invalid, unknown, false);
    return type->make(p.id, p.options);
}

// One device of `cfg`: kept (a null device) when `old` has it unchanged, else made anew.
template <class Settings, class Device, class Make>
Status plan_device(std::vector<std::pair<Settings, std::unique_ptr<Device>>>& out,
                   Settings settings, bool unchanged, const std::string& what,
                   ReloadSummary* summary, Make make) {
    if (unchanged) {
        out.emplace_back(std::move(settings), nullptr);
        note(summary, &ReloadSummary::kept, what);
        return Status::success();
    }
    Result<std::unique_ptr<Device>> made = make();
    if (!made) return made.error();
    out.emplace_back(std::move(settings), std::move(*made));
    note(summary, &ReloadSummary::added, what);
    return Status::success();
}

bool enabled(const config::PluginConfig& miner) {
    return config::miner_settings().from(miner.common).enabled;
}

Status plan_sources(loop::LoopChanges& ch, const config::SiteConfig& cfg,
                    const config::SiteConfig* old, ReloadSummary* summary) {
    for (const auto& src : cfg.sources) {
        const auto common = config::source_settings().from(src.common);
        loop::SourceSettings settings{src.id, src.kind, common.poll_interval, common.max_age};
        const auto* before = old ? find_plugin(old->sources, src.id) : nullptr;
        const std::string unknown = "source " + src.id + ": unknown type " + src.kind;
        if (Status st = plan_device(
                ch.sources, std::move(settings), before && same_plugin(*before, src),
                "source " + src.id, summary,
                [&] { return make_device(sensors::find_source_type(src.kind), src, unknown); });
            !st)
            return st;
    }
    return Status::success();
}

Status plan_miners(loop::LoopChanges& ch, const config::SiteConfig& cfg,
                   const config::SiteConfig* old, ReloadSummary* summary) {
    const Duration miner_poll = config::site_settings().from(cfg.site).miner_poll_interval;
    for (const auto& m : cfg.miners) {
        const auto common = config::miner_settings().from(m.common);
        if (!common.enabled) continue;
        loop::MinerSettings settings{m.id, m.kind, miner_poll, common.max_power_w,
                                     common.min_power_w};
        const auto* before = old ? find_plugin(old->miners, m.id) : nullptr;
        // The settings are updated in place, so a new poll interval keeps the driver too.
        const bool unchanged = before && same_plugin(*before, m) && enabled(*before);
        const std::string unknown = "miner " + m.id + ": unknown driver " + m.kind;
        auto make = [&] { return make_device(miners::find_driver_type(m.kind), m, unknown); };
        if (Status st = plan_device(ch.miners, std::move(settings), unchanged, "miner " + m.id,
                                    summary, make);
            !st)
            return st;
    }
    return Status::success();
}

// What `cfg` drops from `old`, and the sections that only take effect at restart.
void note_removed(const config::SiteConfig& cfg, const config::SiteConfig& old,
                  ReloadSummary& summary) {
    for (const auto& s : old.sources) {
        const auto* now = find_plugin(cfg.sources, s.id);
        if (!now) summary.removed.push_back("source " + s.id);
    }
    for (const auto& m : old.miners) {
        const auto* now = find_plugin(cfg.miners, m.id);
        if (enabled(m) && (!now || !enabled(*now))) summary.removed.push_back("miner " + m.id);
    }
    if (old.web.values() != cfg.web.values()) summary.restart_needed.push_back("web");
    if (old.journal.values() != cfg.journal.values()) summary.restart_needed.push_back("journal");
    if (old.publish.values() != cfg.publish.values()) summary.restart_needed.push_back("publish");
    if (old.sparkplug.values() != cfg.sparkplug.values())
        summary.restart_needed.push_back("sparkplug");
    if (old.modbus_server.has_value() != cfg.modbus_server.has_value() ||
        (cfg.modbus_server && old.modbus_server->values() != cfg.modbus_server->values()))
        summary.restart_needed.push_back("modbus_server");
}

// The loop changes that take `old` (nullptr: nothing yet) to `cfg`; unchanged devices are kept.
Result<loop::LoopChanges> plan_changes(const config::SiteConfig& cfg, const config::SiteConfig* old,
                                       ReloadSummary* summary = nullptr) {
    loop::LoopChanges ch;
    ch.settings = config::loop_settings(cfg);
    if (!old || policy_differs(cfg, *old)) {
        // make_policy: a layered policy builds each layer from its own table.
        ch.policy = policies::make_policy(cfg.policy, cfg.policy_tables, cfg.time_zone);
        if (ch.policy == nullptr)
            return Status::error(ErrorCode::invalid, "policy " + cfg.policy + ": unknown", false);
        ch.keep_memory = old && old->policy == cfg.policy;
        if (summary) summary->policy_rebuilt = true;
    }
    if (Status st = plan_sources(ch, cfg, old, summary); !st) return st;
    if (Status st = plan_miners(ch, cfg, old, summary); !st) return st;
    if (old && summary) note_removed(cfg, *old, *summary);
    return ch;
}

// The external policy runs directly or as a layer of a layered policy.
bool uses_external(const config::SiteConfig& cfg) {
    if (cfg.policy == "external") return true;
    auto it = cfg.policy_tables.find("layered");
    if (cfg.policy != "layered" || it == cfg.policy_tables.end()) return false;
    const auto layers = policies::LayeredSettings::from(it->second).layers;
    return std::find(layers.begin(), layers.end(), "external") != layers.end();
}

Options external_options(const config::SiteConfig& cfg) {
    static const KeyTable keys = build_catalog().policies.at("external");
    auto it = cfg.policy_tables.find("external");
    return with_defaults(keys, it == cfg.policy_tables.end() ? Options{} : it->second);
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

// The token of web.metrics_token_file (empty when unset), at least 16 characters.
Result<std::string> metrics_token(const std::string& token_file) {
    if (token_file.empty()) return std::string();
    auto token = miners::read_secret_file(token_file, "web.metrics_token_file");
    if (!token) return Status::error(token.error().code, "web: " + token.error().message, false);
    if (token->size() < 16)
        return Status::error(
            ErrorCode::invalid,
            "web: read web.metrics_token_file " + token_file + ": token shorter than 16 characters",
            false);
    return token;
}

}  // namespace

std::string ReloadSummary::text() const {
    std::string out = "applied";
    if (!added.empty()) out += "; new or changed: " + join(added);
    if (!removed.empty()) out += "; removed: " + join(removed);
    if (!kept.empty()) out += "; unchanged: " + join(kept);
    if (policy_rebuilt) out += "; policy rebuilt";
    if (!restart_needed.empty())
        out += "; [" + join(restart_needed) + "] changes take effect at the next restart";
    return out;
}

void Site::update_external_bridge(const config::SiteConfig& cfg, const config::SiteConfig* old) {
    const bool wanted = uses_external(cfg);
    if (old && wanted == uses_external(*old) &&
        (!wanted || external_options(cfg).values() == external_options(*old).values()))
        return;
    std::shared_ptr<external::ExternalBridge> next;
    if (wanted) {
        const Options options = external_options(cfg);
        next = std::make_shared<external::ExternalBridge>(
            external::bridge_config_from(options,
                                         policies::ExternalSettings::from(options).deadline),
            *clock_);
        if (!next->setup_status().ok()) log::error("site", next->setup_status().message);
        else log::info("site", "external controller bridge on " + next->config().broker.broker +
                                   ", topics " + next->config().prefix + "/{snapshot,decision}");
    }
    std::lock_guard lock(bridge_mutex_);
    bridge_ = std::move(next);
}

Result<ReloadSummary> Site::reload(const config::SiteConfig& cfg) {
    std::lock_guard lock(config_mutex_);
    ReloadSummary summary;
    auto changes = plan_changes(cfg, &config_, &summary);
    if (!changes) return changes.error();
    // A new bridge is up before the policy that reads it; an old one goes after its policy.
    const bool external_now = uses_external(cfg);
    if (external_now) update_external_bridge(cfg, &config_);
    loop_->reconfigure(std::move(*changes));
    if (!external_now) update_external_bridge(cfg, &config_);
    // Sections that need a restart stay as they run, so the next diff still shows them.
    config::SiteConfig next = cfg;
    next.web = config_.web;
    next.journal = config_.journal;
    next.publish = config_.publish;
    next.sparkplug = config_.sparkplug;
    next.modbus_server = config_.modbus_server;
    config_ = std::move(next);
    log::notice("site", summary.text());
    return summary;
}

config::SiteConfig Site::config() const {
    std::lock_guard lock(config_mutex_);
    return config_;
}

journal::JournalOptions journal_options(const config::JournalSection& section) {
    journal::JournalOptions jo;
    jo.path = section.path;
    jo.commit_interval = section.commit_interval;
    jo.retention = section.retention;
    jo.keep_raw = section.keep_raw;
    jo.history_interval = section.history_interval;
    // Every sample waits until the filter at commit: commit early only when half the queue is
    // full, so a long history interval neither drops rows nor commits more often than it says.
    jo.batch_rows = jo.queue_capacity / 2;
    // Pruning commits on its own: an hour's oldest rows at once touch fewer pages than six
    // prunes of ten minutes' each.
    jo.retention_interval = std::max<Duration>(jo.retention_interval, 12 * jo.history_interval);
    // A page rewritten by many commits reaches the main file once per checkpoint.
    jo.checkpoint_interval = std::max<Duration>(std::chrono::minutes{1}, 6 * jo.history_interval);
    jo.recording.on_change = section.on_change;
    jo.recording.heartbeat = section.heartbeat;
    jo.recording.power = {section.power_deadband_w, section.power_deadband_pct / 100};
    jo.recording.temperature = {section.temperature_deadband_c, 0};
    return jo;
}

Result<std::unique_ptr<Site>> Site::build(const config::SiteConfig& cfg,
                                          const SiteOverrides& overrides, const Clock& clock) {
    std::unique_ptr<Site> site(new Site());
    const auto web_section = config::web_settings().from(cfg.web);
    site->listen_ = overrides.listen.empty() ? web_section.listen : overrides.listen;
    if (!web_section.enabled) site->listen_.clear();

    const auto journal_section = config::journal_settings().from(cfg.journal);
    journal::JournalOptions jo = journal_options(journal_section);
    if (!overrides.db_path.empty()) jo.path = overrides.db_path;
    jo.on_migration = [path = jo.path](int version) {
        // Folding a month of raw rows can outlast systemd's start timeout on slow storage.
        sd_notify("EXTEND_TIMEOUT_USEC=900000000");
        log::notice("journal", "journal " + path + ": migrating to schema version " +
                                   std::to_string(version) + " (may take minutes on a large file)");
    };
    auto j = journal::Journal::open(jo);
    if (!j) return j.error();
    site->journal_ = std::move(*j);
    site->recorder_ = std::make_unique<journal::JournalRecorder>(*site->journal_);
    if (auto note = site->journal_->set_aside_note())
        site->recorder_->event(clock.now(), Severity::warning, "journal.set_aside", "journal",
                               *note);

    const auto* policy_type = policies::find_policy_type(cfg.policy);
    if (policy_type == nullptr)
        return Status::error(ErrorCode::invalid, "policy " + cfg.policy + ": unknown", false);
    site->loop_ = std::make_unique<loop::ControlLoop>(
        config::loop_settings(cfg),
        policies::make_policy(cfg.policy, cfg.policy_tables, cfg.time_zone), clock,
        *site->recorder_);
    auto changes = plan_changes(cfg, nullptr);
    if (!changes) return changes.error();
    changes->policy.reset();   // the loop already has it
    // The external controller's reply rides in each snapshot; its refusals go to the journal.
    site->clock_ = &clock;
    site->update_external_bridge(cfg, nullptr);
    Site* raw = site.get();
    site->loop_->on_clock_step([raw](Duration step) {
        std::lock_guard lock(raw->bridge_mutex_);
        if (raw->bridge_) raw->bridge_->move_times(step);
    });
    site->loop_->on_snapshot([raw](SiteSnapshot& snap) {
        std::shared_ptr<external::ExternalBridge> bridge;
        {
            std::lock_guard lock(raw->bridge_mutex_);
            bridge = raw->bridge_;
        }
        if (!bridge) return;
        for (const auto& why : bridge->on_snapshot(snap))
            raw->recorder_->event(snap.now, Severity::warning, "external.reply_refused",
                                  "external", why);
    });
    site->loop_->reconfigure(std::move(*changes));
    site->config_ = cfg;
    // The page's overrides and MQTT control ([publish] control) take the same path.
    site->control_ = std::make_unique<WebControl>(*site);
    if (!site->listen_.empty()) {
        web::WebOptions wo;
        wo.journal = site->journal_.get();
        wo.control = site->control_.get();
        // Set-up saves the file the daemon was started from; an in-memory config has none.
        struct stat st {};
        if (!cfg.path.empty() && ::stat(cfg.path.c_str(), &st) == 0 && S_ISREG(st.st_mode))
            wo.config_path = cfg.path;
        // The state directory is the journal's: the hashed passwords live beside it.
        auto slash = jo.path.rfind('/');
        wo.auth_file = (slash == std::string::npos ? std::string(".") : jo.path.substr(0, slash)) +
                       "/hashsink-auth.json";
        wo.public_status = web_section.public_status;
        wo.setup_code = overrides.setup_code;
        auto token = metrics_token(web_section.metrics_token_file);
        if (!token) return token.error();
        wo.metrics_token = std::move(*token);
        site->web_ = std::make_unique<web::WebServer>(site->loop_->status_board(), clock, wo);
    }
    return site;
}

Site::~Site() { stop(); }

Status Site::start() {
    if (web_) {
        if (auto st = web_->start(listen_); !st) return st;
    }
    loop_->start();
    const auto cfg = config();
    if (const PublishConfig publish = publish_config_from(cfg.publish); publish.enabled) {
        auto publisher = std::make_unique<StatusPublisher>(
            publish, loop_->status_board(), *clock_, 1 + cfg.miners.size() + 16, *recorder_,
            [this](const ControlCommand& c) {
                switch (c.kind) {
                    case ControlCommand::Kind::site_override:
                        return control_->set_override(c.site);
                    case ControlCommand::Kind::site_limit:
                        return loop_->set_site_limit("fleet", c.limit);
                    default:
                        return loop_->command_miner(c.miner);
                }
            });
        if (!publisher->setup_status().ok()) {
            log::error("site", publisher->setup_status().message);
        } else {
            log::info("site", "publishing the status to " + publish.broker.broker + " under " +
                                  publish.prefix);
        }
        std::lock_guard lock(publisher_mutex_);
        publisher_ = std::move(publisher);
    }
    start_edge_node(cfg);
    if (cfg.modbus_server) {
        modbus_ = std::make_unique<ModbusServer>(
            config::modbus_server_settings().from(*cfg.modbus_server), *loop_);
        if (Status st = modbus_->start(); !st) {
            modbus_.reset();
            return st;
        }
    }
    return {};
}

int Site::modbus_port() const { return modbus_ ? modbus_->port() : 0; }

void Site::start_edge_node(const config::SiteConfig& cfg) {
    const auto sp = sparkplug::sparkplug_config_from(cfg.sparkplug);
    if (!sp.enabled) return;
    // A host's writes take the governed paths: the site limit as source "sparkplug", a
    // miner's commands as MQTT control's do; both journalled by the loop.
    auto node = std::make_unique<sparkplug::EdgeNode>(
        sp, loop_->status_board(), *clock_, *recorder_,
        [this](std::optional<double> limit_w) {
            loop::SiteLimitRequest request;
            request.limit_w = limit_w;
            request.note = "Sparkplug B host";
            return loop_->set_site_limit(sparkplug::kSiteLimitSource, request);
        },
        [this](const loop::MinerCommandChange& change) { return loop_->command_miner(change); });
    if (!node->setup_status().ok())
        log::error("site", node->setup_status().message);
    else
        log::info("site", "Sparkplug B edge node " + sp.group_id + "/" + sp.edge_node_id + " on " +
                              sp.broker.broker);
    std::lock_guard lock(publisher_mutex_);
    edge_node_ = std::move(node);
}

std::optional<Status> Site::publish_health() const {
    std::lock_guard lock(publisher_mutex_);
    if (!publisher_) return std::nullopt;
    return publisher_->health();
}

void Site::stop() {
    std::unique_ptr<StatusPublisher> publisher;
    std::unique_ptr<sparkplug::EdgeNode> edge_node;
    {
        std::lock_guard lock(publisher_mutex_);
        publisher = std::move(publisher_);
        edge_node = std::move(edge_node_);
    }
    publisher.reset();  // outside the lock: they join their threads
    edge_node.reset();
    modbus_.reset();  // before the loop it writes to
    if (web_) web_->stop();
    if (loop_) loop_->stop();
    if (journal_) journal_->flush();
}

}  // namespace hashsink::app
