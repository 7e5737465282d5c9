#include "adapters/miners/plug_driver.hpp"

#include <algorithm>
#include <chrono>

#include "adapters/miners/driver_support.hpp"
#include "adapters/miners/secret_file.hpp"

namespace hashsink::miners {

KeyTable plug_keys(const std::string& password_doc) {
    return {
        {.name = "url", .type = KeyType::string,
         .doc = "Base URL of the plug, e.g. http://192.168.1.80", .required = true},
        {.name = "password_file", .type = KeyType::string, .doc = password_doc, .secret = true},
        {.name = "timeout", .type = KeyType::duration, .doc = "Deadline for each request",
         .unit = "s", .fallback = OptionValue{Duration{2000}}, .min = 0.1, .max = 30},
        {.name = "verify_timeout", .type = KeyType::duration,
         .doc = "How long a switch may take to show before it counts as not applied", .unit = "s",
         .fallback = OptionValue{Duration{5000}}, .min = 0.1, .max = 60},
        {.name = "power_w", .type = KeyType::number,
         .doc = "The miner's draw when the plug is on", .unit = "W", .required = true, .min = 1,
         .max = 4000},
        {.name = "hashrate_ths", .type = KeyType::number,
         .doc = "The miner's hashrate when on (for ranking by efficiency)", .unit = "TH/s",
         .fallback = OptionValue{0.0}, .min = 0, .max = 1000},
    };
}

PlugConfig plug_config(const Options& o) {
    PlugConfig c;
    c.url = o.get_string("url");
    c.password_file = o.get_string("password_file");
    const auto timeouts = read_http_timeouts(plug_keys({}), o);   // the bounds; docs unused
    c.timeout = timeouts.timeout;
    c.verify_timeout = timeouts.verify_timeout;
    c.power_w = o.get_number("power_w", 0);
    c.hashrate_ths = o.get_number("hashrate_ths", 0);
    return c;
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

MinerCaps PlugDriver::caps() const {
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
    caps_ = caps();
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
    s.caps = caps();
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
