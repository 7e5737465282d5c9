// Set-up: the catalog, the config and its versions (validate, save, restore), the "test"
// buttons, the network scan and the manual override.
#include <cmath>
#include <string>

#include "daemon/config/config.hpp"
#include "web/api/config_json.hpp"
#include "web/api/config_splice.hpp"
#include "web/auth/auth.hpp"
#include "web/config_store.hpp"
#include "web/guarded_server.hpp"
#include "web/http_helpers.hpp"
#include "web/server.hpp"
#include "web/site_control.hpp"

namespace hashsink::web {

using nlohmann::json;

bool WebServer::setup_ready(const httplib::Request& req, httplib::Response& res, bool write) {
    if (!require(req, res, true, write)) return false;
    if (!store_ || !options_.control) {
        json_error(res, 503, "set-up is off: the daemon runs without a config file");
        return false;
    }
    return true;
}

void WebServer::save_and_apply(const std::string& text, const std::string& note,
                               httplib::Response& res) {
    auto loaded = config::load_string(text, store_->path(), options_.control->catalog());
    if (!loaded.ok()) return field_errors(res, diagnostics_json(loaded.diagnostics));
    if (auto st = store_->save(text, unix_ms(clock_.now()), note); !st)
        return json_error(res, 500, st.message);
    auto applied = options_.control->apply(*loaded.config);
    if (!applied)
        return send_json(
            res, 200,
            {{"ok", false}, {"saved", true}, {"note", note}, {"error", applied.error().message}});
    send_json(res, 200, {{"ok", true}, {"saved", true}, {"note", note}, {"message", *applied}});
}

void WebServer::config_routes() {
    auto& srv = *server_;
    srv.Get("/api/catalog", [this](const httplib::Request& req, httplib::Response& res) {
        if (!setup_ready(req, res, false)) return;
        send_json(res, 200,
                  catalog_json(options_.control->catalog(), options_.control->summaries()));
    });
    srv.Get("/api/config", [this](const httplib::Request& req, httplib::Response& res) {
        if (!setup_ready(req, res, false)) return;
        auto text = store_->current();
        if (!text) return json_error(res, 500, text.error().message);
        auto doc = config_to_json(*text, options_.control->catalog());
        if (!doc) return json_error(res, 500, doc.error().message);
        send_json(res, 200,
                  {{"path", store_->path()}, {"note", store_->current_note()}, {"config", *doc}});
    });
    srv.Post("/api/config/validate", [this](const httplib::Request& req, httplib::Response& res) {
        if (!setup_ready(req, res, true)) return;
        auto body = parse_body(req, res);
        if (!body) return;
        if (!body->contains("config")) return json_error(res, 400, "config: missing");
        auto text = json_to_toml((*body)["config"], store_->current().value_or(""),
                                 options_.control->catalog());
        if (!text) return shape_error(res, text.error().message);
        auto loaded = config::load_string(*text, store_->path(), options_.control->catalog());
        if (!loaded.ok()) return field_errors(res, diagnostics_json(loaded.diagnostics));
        send_json(res, 200, {{"ok", true}});
    });
    srv.Post("/api/config", [this](const httplib::Request& req, httplib::Response& res) {
        if (!setup_ready(req, res, true)) return;
        auto body = parse_body(req, res);
        if (!body) return;
        if (!body->contains("config")) return json_error(res, 400, "config: missing");
        const std::string current = store_->current().value_or("");
        auto text = json_to_toml((*body)["config"], current, options_.control->catalog());
        if (!text) return shape_error(res, text.error().message);
        // The installer's comments stay: the change is spliced into the file as it is.
        SplicedConfig spliced = splice_config(current, *text);
        save_and_apply(spliced.text, spliced.note, res);
    });
    srv.Get("/api/config/versions", [this](const httplib::Request& req, httplib::Response& res) {
        if (!setup_ready(req, res, false)) return;
        json out = json::array();
        for (const auto& v : store_->versions())
            out.push_back({{"id", v.id},
                           {"saved_ms", v.saved_ms},
                           {"time", iso8601(from_unix_ms(v.saved_ms))},
                           {"bytes", v.bytes},
                           {"note", v.note}});
        send_json(res, 200, {{"versions", out}});
    });
    srv.Get(R"(/api/config/versions/([^/]+))",
            [this](const httplib::Request& req, httplib::Response& res) {
                if (!setup_ready(req, res, false)) return;
                auto text = store_->version(req.matches[1]);
                if (!text) return json_error(res, 404, text.error().message);
                auto doc = config_to_json(*text, options_.control->catalog());
                if (!doc) return json_error(res, 422, doc.error().message);
                send_json(res, 200, {{"id", std::string(req.matches[1])}, {"config", *doc}});
            });
    srv.Post("/api/config/restore", [this](const httplib::Request& req, httplib::Response& res) {
        if (!setup_ready(req, res, true)) return;
        auto body = parse_body(req, res);
        if (!body) return;
        auto id = string_field(*body, "id", 32);
        if (!id || !ConfigStore::valid_id(*id))
            return json_error(res, 400, "id: expected a version id");
        auto text = store_->version(*id);
        if (!text) return json_error(res, 404, text.error().message);
        save_and_apply(*text, "restored version " + *id, res);
    });
}

void WebServer::test_item(const std::string& list, const std::string& field,
                          const httplib::Request& req, httplib::Response& res) {
    if (!setup_ready(req, res, true)) return;
    auto body = parse_body(req, res);
    if (!body) return;
    if (!body->contains(field) || !(*body)[field].is_object())
        return json_error(res, 400, field + ": expected an object");
    json item = (*body)[field];
    if (!item.contains("id") || item["id"] == "") item["id"] = "test";
    json doc = {{"site", {{"max_draw_w", 1}}}, {list, json::array({item})}};
    auto text = json_to_toml(doc, "", options_.control->catalog());
    if (!text) return shape_error(res, text.error().message);
    auto loaded = config::load_string(*text, "test", options_.control->catalog());
    if (!loaded.ok()) return field_errors(res, diagnostics_json(loaded.diagnostics));
    const auto& items = list == "miners" ? loaded.config->miners : loaded.config->sources;
    send_json(res, 200,
              list == "miners" ? options_.control->test_miner(items.front())
                               : options_.control->test_source(items.front()));
}

void WebServer::action_routes() {
    auto& srv = *server_;
    // "Test" buttons: the item is validated as the loader would, then read once.
    srv.Post("/api/test/miner", [this](const httplib::Request& req, httplib::Response& res) {
        test_item("miners", "miner", req, res);
    });
    srv.Post("/api/test/source", [this](const httplib::Request& req, httplib::Response& res) {
        test_item("sources", "source", req, res);
    });
    srv.Post("/api/scan", [this](const httplib::Request& req, httplib::Response& res) {
        if (!setup_ready(req, res, true)) return;
        auto body = parse_body(req, res);
        if (!body) return;
        auto found = options_.control->scan(*body);
        if (!found)
            return json_error(res, 501, "network scan is not built in yet; add miners by URL");
        if (found->contains("error")) return send_json(res, 400, *found);
        send_json(res, 200, *found);
    });
    srv.Post("/api/override", [this](const httplib::Request& req, httplib::Response& res) {
        set_override(req, res);
    });
}

void WebServer::set_override(const httplib::Request& req, httplib::Response& res) {
    if (!require(req, res, true, true)) return;
    if (!options_.control) return json_error(res, 503, "overrides are off");
    auto body = parse_body(req, res);
    if (!body) return;
    auto mode = string_field(*body, "mode", 16);
    if (!mode || (*mode != "off" && *mode != "min" && *mode != "max" && *mode != "clear"))
        return json_error(res, 400, "mode: expected off, min, max or clear");
    std::optional<OverrideRequest> r;
    if (*mode != "clear") {
        if (!body->contains("minutes") || !(*body)["minutes"].is_number())
            return json_error(res, 400, "minutes: expected a number");
        double minutes = (*body)["minutes"].get<double>();
        if (!std::isfinite(minutes) || minutes < 1 || minutes > 7 * 24 * 60)
            return json_error(res, 400, "minutes: must be between 1 and 10080 (a week)");
        r = OverrideRequest{*mode, std::chrono::seconds(std::llround(minutes * 60))};
    }
    if (auto st = options_.control->set_override(r); !st)
        return json_error(res, st.code == ErrorCode::unsupported ? 501 : 400, st.message);
    send_json(res, 200, {{"ok", true}, {"override", options_.control->override_state()}});
}

}  // namespace hashsink::web
