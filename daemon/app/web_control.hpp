// The web page's handle on the running site: plugin catalog, reload, device tests, override.
#pragma once

#include <functional>

#include "daemon/config/config.hpp"
#include "web/site_control.hpp"

namespace hashsink::app {

class Site;

class WebControl final : public web::SiteControl {
public:
    explicit WebControl(Site& site);
    const config::Catalog& catalog() const override { return catalog_; }
    nlohmann::json summaries() const override;
    Result<std::string> apply(const config::SiteConfig& cfg) override;
    nlohmann::json test_miner(const config::PluginConfig& miner) override;
    nlohmann::json test_source(const config::PluginConfig& source) override;
    std::optional<nlohmann::json> scan(const nlohmann::json& request) override;
    Status set_override(const std::optional<web::OverrideRequest>& request) override;
    nlohmann::json override_state() const override;
    nlohmann::json publish_state() const override;

private:
    Site& site_;
    config::Catalog catalog_;
};

}  // namespace hashsink::app
