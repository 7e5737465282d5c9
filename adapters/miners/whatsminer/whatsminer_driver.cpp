#include "adapters/miners/whatsminer/whatsminer_driver.hpp"

#include <algorithm>
#include <cmath>

#include "adapters/miners/driver_keys.hpp"
#include "adapters/miners/driver_support.hpp"
#include "adapters/miners/secret_file.hpp"

namespace hashsink::miners::whatsminer {

using nlohmann::json;

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .bind(&DriverConfig::host, keys::host())
            .bind(&DriverConfig::port, keys::port("port", 4028, "API v2 port (JSON over TCP)"))
            .bind(&DriverConfig::v3_port,
                  keys::port("v3_port", 4433, "API v3 port (length-prefixed JSON over TCP)"))
            .bind(&DriverConfig::api,
                  {.name = "api",
                   .doc = "API generation; auto picks by firmware (v3 after 2024-11)",
                   .fallback = OptionValue{std::string("auto")},
                   .choices = {"auto", "v2", "v3"}})
            .bind(
                &DriverConfig::password_file,
                keys::secret_file("password_file",
                                  "File holding the API password (first line); needed for writes"))
            .bind(&DriverConfig::account,
                  keys::text("account", "API v3 account that signs writes", "super"))
            .bind(&DriverConfig::timeout, keys::timeout(keys::kApiCommandDeadline, Duration{3000}))
            .bind(&DriverConfig::verify_timeout,
                  keys::verify_timeout("How long a write may take to show when read back",
                                       Duration{20000}, 0.1, 300))
            .bind(&DriverConfig::power_w,
                  keys::optional_power(
                      "power_w", "Highest power limit to use; 0 takes the limit the miner reports"))
            .bind(&DriverConfig::min_power_w,
                  keys::optional_power("min_power_w",
                                       "Lowest power limit to use; 0 is half of power_w"))
            .bind(&DriverConfig::power_step_w, keys::power_step("Granularity of the limit"))
            .bind(&DriverConfig::hashrate_ths,
                  keys::hashrate("Hashrate at power_w; 0 takes the factory hashrate"))
            .bind(&DriverConfig::idle_power_w,
                  keys::standby_power("idle_power_w", "Draw when powered off", 20));
    return settings;
}

WhatsminerDriver::WhatsminerDriver(std::string id, DriverConfig config,
                                   std::function<std::time_t()> clock)
    : DriverBase("whatsminer", std::move(id)),
      config_(std::move(config)),
      client_(config_.host, config_.port, {.timeout = config_.timeout}),
      v2_(client_),
      v3_({.host = config_.host,
           .port = config_.v3_port,
           .timeout = config_.timeout,
           .account = config_.account},
          client_, std::move(clock)) {}

std::optional<Api> WhatsminerDriver::api() const {
    if (!link_) return std::nullopt;
    return link_->api();
}

Result<ApiLink*> WhatsminerDriver::select_link() {
    if (config_.api == "v2") return &v2_;
    if (config_.api == "v3") return &v3_;
    auto v = client_.command("get_version");
    if (v) {
        if (auto version = decode_v2_version(*v))
            return api_for(*version) == Api::v2 ? static_cast<ApiLink*>(&v2_) : &v3_;
        return Status::error(ErrorCode::protocol, "get_version: no api_ver or fw_ver in the reply",
                             false);
    }
    // Newer firmware may answer only on the v3 port.
    auto info = v3_.call("get.device.info", nullptr);
    if (info) return &v3_;
    return Status::error(v.error().code, "select API: " + v.error().message + "; v3 " +
                                             info.error().message,
                         v.error().retryable || info.error().retryable);
}

Result<Reading> WhatsminerDriver::read_or_offline() {
    auto r = read();
    if (r) return r;
    return offline(error(r.error()));
}

Result<Reading> WhatsminerDriver::read() {
    if (!link_) {
        auto link = select_link();
        if (!link) return link.error();
        link_ = *link;
    }
    return link_->read();
}

MinerCaps WhatsminerDriver::build_caps(const Reading& r) const {
    // Without power_w, the highest limit seen: our own lower limits must not shrink the range.
    const double max_w = config_.power_w > 0 ? config_.power_w : seen_limit_w_;
    const double step = config_.power_step_w;
    double min_w = config_.min_power_w > 0 ? config_.min_power_w : std::ceil(max_w / 2 / step) * step;
    min_w = std::min(min_w, max_w);
    const double ths = config_.hashrate_ths > 0 ? config_.hashrate_ths
                                                : r.factory_ths.value_or(r.hashrate_ths.value_or(0));
    MinerCaps c;
    auto level = [&](double w) { return PowerLevel{.power_w = w, .hashrate_ths = ths * w / max_w}; };
    if (min_w < max_w) c.levels.push_back(level(min_w));
    c.levels.push_back(level(max_w));
    c.nominal_level = c.levels.size() - 1;
    c.continuous_power = true;
    c.power_step_w = config_.power_step_w;
    c.can_pause = true;
    c.idle_power_w = config_.idle_power_w;
    return c;
}

Result<MinerCaps> WhatsminerDriver::probe_miner() {
    if (config_.api == "auto") link_ = nullptr;  // firmware may have been upgraded
    auto r = read_or_offline();
    if (!r) return r.error();
    link_->complete_identity(*r);
    model_ = r->model.empty() ? "Whatsminer" : r->model;
    firmware_ = (r->version.firmware.empty() ? std::string("btminer") : r->version.firmware) +
                " (API " + (r->version.api.empty() ? to_string(link_->api()) : r->version.api) +
                ")";
    if (r->power_limit_w) seen_limit_w_ = std::max(seen_limit_w_, *r->power_limit_w);
    if (config_.power_w <= 0 && seen_limit_w_ <= 0) {
        return offline(error(Status::error(
            ErrorCode::protocol, "probe: the miner reports no power limit; set power_w", false)));
    }
    caps_ = build_caps(*r);
    return *caps_;
}

Result<MinerState> WhatsminerDriver::read_miner() {
    auto r = read_or_offline();
    if (!r) return r.error();
    MinerState s = online_state();
    s.state = r->mining.value_or(true) ? MinerRunState::mining : MinerRunState::paused;
    s.hashrate_ths = r->hashrate_ths;
    s.power_w = r->power_w;
    s.frequency_mhz = r->frequency_mhz;
    s.chip_temp_c = r->chip_temp_c;
    s.fan_rpm = r->fan_rpm;
    if (r->power_limit_w)
        s.detail = "power limit " + std::to_string(static_cast<long>(*r->power_limit_w)) + " W";
    if (!r->errors.empty()) s.detail += (s.detail.empty() ? "" : "; ") + r->errors;
    s.caps = *caps_;
    return s;
}

Result<json> WhatsminerDriver::write(const Write& w) {
    const std::string& cmd = w.cmd;
    if (password_.empty()) {
        if (config_.password_file.empty())
            return Status::error(ErrorCode::invalid, cmd + ": no password_file configured", false);
        auto pw = read_secret_file(config_.password_file, "password_file");
        if (!pw) return Status::error(pw.error().code, cmd + ": " + pw.error().message, false);
        password_ = *pw;
    }
    Refusal refusal;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!link_->has_credentials() || attempt > 0) {
            if (attempt > 0) ++renewals_;
            if (auto st = link_->renew_credentials(password_); !st) return st;
        }
        auto reply = link_->write_once(w, password_);
        if (!reply) return reply.error();
        refusal = link_->refusal(*reply);
        if (refusal.reason.empty()) return reply;
        if (!refusal.credentials)
            return Status::error(ErrorCode::rejected, cmd + ": " + refusal.reason, false);
        // A stale token or salt: renew once and repeat.
        link_->credentials_refused();
    }
    return Status::error(ErrorCode::rejected,
                         cmd + ": refused after renewing the " + link_->credential_name() + " (" +
                             refusal.reason + "): check that password_file holds the " +
                             link_->signer() +
                             " password and that the miner's API write switch is on",
                         false);
}

Status WhatsminerDriver::verify(const std::string& expected,
                                const std::function<bool(const Reading&)>& done) {
    std::string seen = "nothing readable";
    const auto interval =
        std::clamp(config_.verify_timeout / 20, Duration{50}, Duration{1000});
    auto st = poll_until(config_.verify_timeout, interval, [&]() -> Status {
        auto r = read();
        if (!r) return r.error();
        if (done(*r)) return Status::success();
        seen = std::string(r->mining.value_or(true) ? "mining" : "powered off") +
               (r->power_limit_w
                    ? ", power limit " + std::to_string(static_cast<long>(*r->power_limit_w)) + " W"
                    : "");
        return Status::error(ErrorCode::not_applied, "");
    });
    if (st.ok() || st.code != ErrorCode::not_applied) return st;
    return Status::error(ErrorCode::not_applied,
                         "verify: write acknowledged but not applied: expected " + expected +
                             ", miner reports " + seen + " after " +
                             format_duration(config_.verify_timeout));
}

double WhatsminerDriver::target_limit(const MinerTarget& target) const {
    double w = caps_->nominal_power_w();
    if (target.level && !caps_->levels.empty())
        w = caps_->levels[std::min(*target.level, caps_->levels.size() - 1)].power_w;
    else if (target.power_w > 0)
        w = target.power_w;
    w = std::round(w / config_.power_step_w) * config_.power_step_w;
    return std::clamp(w, caps_->min_power_w(), caps_->max_power_w());
}

Status WhatsminerDriver::apply_target(const MinerTarget& target) {
    auto r = read_or_offline();
    if (!r) return r.error();
    const bool mining = r->mining.value_or(true);
    if (!target.run) {
        if (!mining) return Status::success();
        if (auto w = write(link_->command(Action::power_off, 0)); !w) return error(w.error());
        auto st = verify("powered off", [](const Reading& x) { return x.mining == false; });
        return st ? st : error(st);
    }
    if (!mining) {
        if (auto w = write(link_->command(Action::power_on, 0)); !w) return error(w.error());
        if (auto st = verify("mining", [](const Reading& x) { return x.mining != false; }); !st)
            return error(st);
        auto again = read();
        if (!again) return error(again.error());
        r = std::move(again);
    }
    const double want = target_limit(target);
    const double tolerance = config_.power_step_w / 2;
    if (r->power_limit_w && std::fabs(*r->power_limit_w - want) < tolerance)
        return Status::success();
    const long watts = std::lround(want);
    if (auto w = write(link_->command(Action::power_limit, watts)); !w) return error(w.error());
    auto st = verify("power limit " + std::to_string(watts) + " W", [&](const Reading& x) {
        return x.power_limit_w && std::fabs(*x.power_limit_w - want) < tolerance;
    });
    return st ? st : error(st);
}

}  // namespace hashsink::miners::whatsminer
