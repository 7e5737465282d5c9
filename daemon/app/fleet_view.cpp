#include "daemon/app/fleet_view.hpp"

#include <cmath>

#include "adapters/sensors/mqtt_payload.hpp"
#include "daemon/core/log.hpp"
#include "web/assets.hpp"
#include "web/http_helpers.hpp"

namespace hashsink::app {
namespace {

using nlohmann::json;

double number_or(const json& j, const char* key, double fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<double>() : fallback;
}

// What needs an operator's eye, in words.
json alarms_of(const json& status, bool stale) {
    json out = json::array();
    if (stale) out.push_back("no status lately");
    const std::string state = status.value("state", "");
    if (state == "fail_safe" || state == "emergency" || state == "shed") out.push_back(state);
    const double miners = number_or(status, "miners", 0);
    const double online = number_or(status, "miners_online", 0);
    if (online < miners)
        out.push_back(std::to_string(static_cast<int>(miners - online)) + " of " +
                      std::to_string(static_cast<int>(miners)) + " miners offline");
    if (auto sources = status.find("sources"); sources != status.end() && sources->is_object())
        for (const auto& [id, s] : sources->items())
            if (s.is_object() && !s.value("ok", true)) out.push_back("source " + id + " failing");
    return out;
}

}  // namespace

bool FleetView::take_status(const std::string& prefix, std::string_view payload, TimePoint now) {
    json j = json::parse(payload, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return false;
    std::string id = j.value("site", "");
    if (id.empty()) id = site_id_from_prefix(prefix);
    if (site_id_error(id)) return false;
    std::lock_guard lock(mutex_);
    if (sites_.size() >= kMaxFleetSites && !sites_.count(id)) return false;
    Site& s = sites_[id];
    s.prefix = prefix;
    s.status = std::move(j);
    s.status_at = now;
    return true;
}

bool FleetView::take_ack(std::string_view payload) {
    auto ack = parse_fleet_ack(payload);
    if (!ack) return false;
    std::lock_guard lock(mutex_);
    auto it = sites_.find(ack->site);
    if (it == sites_.end() || !command_ || ack->id != command_->id) return false;
    it->second.ack = *ack;
    return true;
}

json FleetView::report(TimePoint now) const {
    std::lock_guard lock(mutex_);
    nlohmann::json sites = nlohmann::json::array();
    double measured = 0, planned = 0;
    int acked = 0;
    for (const auto& [id, s] : sites_) {
        const double age_s = std::chrono::duration<double>(now - s.status_at).count();
        const bool stale = now - s.status_at > stale_after_;
        measured += number_or(s.status, "measured_w", 0);
        planned += number_or(s.status, "planned_w", 0);
        nlohmann::json site = {{"id", id},
                               {"prefix", s.prefix},
                               {"age_s", age_s},
                               {"stale", stale},
                               {"state", s.status.value("state", "unknown")},
                               {"policy", s.status.value("policy", "")},
                               {"measured_w", number_or(s.status, "measured_w", 0)},
                               {"planned_w", number_or(s.status, "planned_w", 0)},
                               {"budget_w", number_or(s.status, "budget_w", 0)},
                               {"site_limit_w", s.status.value("site_limit_w", nlohmann::json())},
                               {"miners", number_or(s.status, "miners", 0)},
                               {"miners_online", number_or(s.status, "miners_online", 0)},
                               {"alarms", alarms_of(s.status, stale)},
                               {"ack", nullptr}};
        if (s.ack) {
            acked += s.ack->ok ? 1 : 0;
            site["ack"] = nlohmann::json::parse(fleet_ack_json(*s.ack));
        }
        sites.push_back(std::move(site));
    }
    nlohmann::json command = nullptr;
    if (command_) {
        command = nlohmann::json::parse(fleet_command_json(*command_));
        command["sent"] = iso8601(command_at_);
        command["acknowledged"] = acked;
    }
    return {{"time", iso8601(now)},
            {"sites", sites},
            {"measured_w", measured},
            {"planned_w", planned},
            {"command", command}};
}

Result<FleetCommand> FleetView::curtail(double total_w, std::optional<TimePoint> until,
                                        std::string id) {
    if (!std::isfinite(total_w) || total_w < 0)
        return Status::error(ErrorCode::invalid, "curtail: watts, 0 or more", false);
    std::map<std::string, double> draw;
    {
        std::lock_guard lock(mutex_);
        for (const auto& [site, s] : sites_) draw[site] = number_or(s.status, "measured_w", 0);
    }
    if (draw.empty()) return Status::error(ErrorCode::invalid, "curtail: no site known yet", false);
    return FleetCommand{
        .id = std::move(id), .limits_w = split_curtailment(total_w, draw), .until = until};
}

FleetCommand FleetView::clear(std::string id) { return {.id = std::move(id), .clear = true}; }

void FleetView::sent(const FleetCommand& command, TimePoint at) {
    std::lock_guard lock(mutex_);
    command_ = command;
    command_at_ = at;
    for (auto& [id, s] : sites_) s.ack.reset();
}

FleetServer::FleetServer(FleetSettings settings, const Clock& clock)
    : settings_(std::move(settings)), clock_(clock), view_(settings_.stale_after) {
    client_ = std::make_shared<transport::MqttClient>(settings_.broker);
    routes();
}

FleetServer::~FleetServer() { stop(); }

Status FleetServer::start(const std::string& host, int port) {
    auto prefix_of = [](const std::string& topic, std::string_view tail) {
        return topic.substr(0, topic.size() - tail.size());
    };
    client_->subscribe(settings_.sites + "/status", 1, [this, prefix_of](const auto& m) {
        view_.take_status(prefix_of(m.topic, "/status"), m.payload, clock_.now());
    });
    client_->subscribe(settings_.sites + "/fleet/ack", 1,
                       [this](const auto& m) { view_.take_ack(m.payload); });
    client_->start();
    port_ = port == 0 ? http_.bind_to_any_port(host) : (http_.bind_to_port(host, port) ? port : -1);
    if (port_ <= 0)
        return Status::error(ErrorCode::unreachable,
                             "fleet: cannot listen on " + host + ":" + std::to_string(port));
    http_.widen_backlog();
    http_thread_ = std::thread([this] { http_.listen_after_bind(); });
    return {};
}

void FleetServer::stop() {
    http_.stop();
    if (http_thread_.joinable()) http_thread_.join();
    if (client_) client_->stop();
}

Status FleetServer::send(const FleetCommand& command) {
    // Retained and QoS 1: a site whose link is down gets it through the bridge's queue, and a
    // site that starts later still finds the latest command.
    Status st = client_->publish(settings_.command_topic, fleet_command_json(command), 1, true);
    if (st) {
        view_.sent(command, clock_.now());
        log::info("fleet", "command " + command.id + " sent");
    }
    return st;
}

void FleetServer::routes() {
    http_.Get("/api/fleet", [this](const httplib::Request&, httplib::Response& res) {
        res.set_content(view_.report(clock_.now()).dump(), "application/json");
    });
    http_.Post("/api/fleet/command", [this](const httplib::Request& req, httplib::Response& res) {
        auto fail = [&res](int status, const std::string& why) {
            res.status = status;
            res.set_content(nlohmann::json{{"error", why}}.dump(), "application/json");
        };
        if (!settings_.token.empty() &&
            !web::same_text(req.get_header_value("Authorization"), "Bearer " + settings_.token))
            return fail(401, "a bearer token is required");
        nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) return fail(400, "expected a JSON object");
        const std::string id =
            "fleet-" + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          clock_.now().time_since_epoch())
                                          .count());
        Result<FleetCommand> command = view_.clear(id);
        if (!body.value("clear", false)) {
            auto kw = body.find("curtail_kw");
            auto minutes = body.find("minutes");
            if (kw == body.end() || !kw->is_number())
                return fail(400, "curtail_kw: a number of kW is required (or clear: true)");
            std::optional<TimePoint> until;
            if (minutes != body.end()) {
                if (!minutes->is_number() || minutes->get<double>() < 1 ||
                    minutes->get<double>() > 7 * 24 * 60)
                    return fail(400, "minutes: between 1 and 10080");
                until = clock_.now() + Duration{static_cast<std::int64_t>(
                                           std::llround(minutes->get<double>() * 60'000))};
            }
            command = view_.curtail(kw->get<double>() * 1000, until, id);
        }
        if (!command) return fail(400, command.error().message);
        if (Status st = send(*command); !st) return fail(503, st.message);
        res.set_content(fleet_command_json(*command), "application/json");
    });
    // The page: fleet.html and the style and script it loads, from the embedded assets.
    http_.Get(R"(/(fleet\.html|fleet\.js|style\.css)?)",
              [](const httplib::Request& req, httplib::Response& res) {
                  std::string name = req.matches[1];
                  if (name.empty()) name = "fleet.html";
                  const char* type = name.ends_with(".js")    ? "text/javascript"
                                     : name.ends_with(".css") ? "text/css"
                                                              : "text/html; charset=utf-8";
                  for (const auto& a : web::assets())
                      if (a.name == name) return res.set_content(std::string(a.data, a.size), type);
                  res.status = 404;
              });
}

}  // namespace hashsink::app
