#include "adapters/miners/plug_driver.hpp"

#include <algorithm>
#include <chrono>

#include "adapters/miners/driver_keys.hpp"
#include "adapters/miners/driver_support.hpp"
#include "adapters/miners/secret_file.hpp"

namespace hashsink::miners {

Settings<PlugConfig> plug_settings(const std::string& password_doc) {
    return Settings<PlugConfig>{}
        .bind(&PlugConfig::url, keys::url("Base URL of the plug, e.g. http://192.168.1.80"))
        .bind(&PlugConfig::password_file, keys::secret_file("password_file", password_doc))
        .bind(&PlugConfig::timeout, keys::timeout("Deadline for each request", Duration{2000}))
        .bind(&PlugConfig::verify_timeout,
              keys::verify_timeout(
                  "How long a switch may take to show before it counts as not applied",
                  Duration{5000}, 0.1, 60))
        .bind(&PlugConfig::power_w,
              keys::nameplate_power("The miner's draw when the plug is on", 4000))
        .bind(&PlugConfig::hashrate_ths,
              keys::hashrate("The miner's hashrate when on (for ranking by efficiency)", 1000));
}

PlugDriver::PlugDriver(std::string family, std::string id, PlugConfig config)
    : DriverBase(std::move(family), std::move(id)), config_(std::move(config)) {}

Result<std::string> PlugDriver::password() {
    if (password_) return *password_;
    if (config_.password_file.empty()) return std::string();
    auto pw = read_secret_file(config_.password_file, "password_file");
    if (!pw) return pw.error();
    password_ = *pw;
    return *pw;
}

Result<transport::HttpClient*> PlugDriver::http_client(const std::string& digest_user) {
    if (client_) return client_.get();
    auto pw = password();
    if (!pw) return pw.error();
    transport::HttpClientOptions o{.timeout = config_.timeout};
    if (!digest_user.empty() && !pw->empty()) {
        o.digest_user = digest_user;
        o.digest_password = *pw;
    }
    client_ = std::make_unique<transport::HttpClient>(config_.url, o);
    return client_.get();
}

MinerCaps PlugDriver::known_caps() const {
    MinerCaps c;
    c.levels.push_back({.power_w = config_.power_w, .hashrate_ths = config_.hashrate_ths});
    c.nominal_level = 0;
    c.can_pause = true;       // switching off
    c.idle_power_w = 0;
    return c;
}

Result<MinerCaps> PlugDriver::probe_miner() {
    std::string model, firmware;
    if (auto st = identify(model, firmware); !st) return offline(error(st));
    model_ = model;
    firmware_ = firmware;
    caps_ = known_caps();
    return *caps_;
}

Result<MinerState> PlugDriver::read_miner() {
    auto r = read_relay();
    if (!r) return offline(error(r.error()));
    MinerState s = online_state();
    s.state = r->on ? MinerRunState::mining : MinerRunState::paused;
    s.power_w = r->power_w;
    if (r->on && config_.hashrate_ths > 0) s.hashrate_ths = config_.hashrate_ths;
    if (!r->on) s.hashrate_ths = 0.0;
    s.detail =
        std::string("plug ") + (r->on ? "on" : "off") + (r->power_w ? "" : ", no power reading");
    s.caps = known_caps();
    return s;
}

Status PlugDriver::apply_target(const MinerTarget& target) {
    auto r = read_relay();
    if (!r) return offline(error(r.error()));
    if (r->on == target.run) return Status::success();  // nothing to send
    if (auto st = set_relay(target.run); !st) return error(st);
    const auto step = std::clamp(config_.verify_timeout / 10, Duration{50}, Duration{1000});
    bool seen = r->on;
    if (read_back_until(config_.verify_timeout, step, [&] {
            auto back = read_relay();
            if (back) seen = back->on;
            return back && seen == target.run;
        }))
        return Status::success();
    return Status::error(ErrorCode::not_applied, family() + " " + id() +
                                                     ": verify relay: switch acknowledged but not "
                                                     "applied: expected " +
                                                     (target.run ? "on" : "off") +
                                                     ", plug reports " + (seen ? "on" : "off") +
                                                     " after " +
                                                     format_duration(config_.verify_timeout));
}

}  // namespace hashsink::miners
