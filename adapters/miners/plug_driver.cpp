#include "adapters/miners/plug_driver.hpp"

#include "adapters/miners/driver_support.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "adapters/miners/secret_file.hpp"

namespace hashsink::miners {

Settings<PlugConfig> plug_settings(const std::string& password_doc) {
    return Settings<PlugConfig>{}
        .bind(&PlugConfig::url, {.name = "url",
                                 .doc = "Base URL of the plug, e.g. http://192.168.1.80",
                                 .required = true})
        .bind(&PlugConfig::password_file,
              {.name = "password_file", .doc = password_doc, .secret = true})
        .bind(&PlugConfig::timeout, {.name = "timeout",
                                     .doc = "Deadline for each request",
                                     .unit = "s",
                                     .fallback = OptionValue{Duration{2000}},
                                     .min = 0.1,
                                     .max = 30})
        .bind(&PlugConfig::verify_timeout,
              {.name = "verify_timeout",
               .doc = "How long a switch may take to show before it counts as not applied",
               .unit = "s",
               .fallback = OptionValue{Duration{5000}},
               .min = 0.1,
               .max = 60})
        .bind(&PlugConfig::power_w, {.name = "power_w",
                                     .doc = "The miner's draw when the plug is on",
                                     .unit = "W",
                                     .required = true,
                                     .min = 1,
                                     .max = 4000})
        .bind(&PlugConfig::hashrate_ths,
              {.name = "hashrate_ths",
               .doc = "The miner's hashrate when on (for ranking by efficiency)",
               .unit = "TH/s",
               .fallback = OptionValue{0.0},
               .min = 0,
               .max = 1000});
}

PlugDriver::PlugDriver(std::string family, std::string id, PlugConfig config)
    : family_(std::move(family)), id_(std::move(id)), config_(std::move(config)) {
    last_state_.driver = family_;
    last_state_.detail = "not read yet";
}

Status PlugDriver::error(const Status& cause) const { return driver_error(family_, id_, cause); }

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

void PlugDriver::mark_offline(const Status& cause) {
    last_state_ =
        offline_state(family_, model_, firmware_, caps(), cause);
}

Result<MinerCaps> PlugDriver::probe() noexcept {
    try {
        std::string model, firmware;
        if (auto st = identify(model, firmware); !st) {
            auto e = error(st);
            mark_offline(e);
            return e;
        }
        model_ = model;
        firmware_ = firmware;
        probed_ = true;
        return caps();
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, family_ + " " + id_ + ": probe: " + e.what());
    }
}

Result<MinerState> PlugDriver::read_state() noexcept {
    try {
        if (!probed_ || !last_state_.online) {
            auto c = probe();
            if (!c) return c.error();
        }
        auto r = read_relay();
        if (!r) {
            auto e = error(r.error());
            mark_offline(e);
            return e;
        }
        MinerState s;
        s.driver = family_;
        s.model = model_;
        s.firmware = firmware_;
        s.online = true;
        s.state = r->on ? MinerRunState::mining : MinerRunState::paused;
        s.power_w = r->power_w;
        if (r->on && config_.hashrate_ths > 0) s.hashrate_ths = config_.hashrate_ths;
        if (!r->on) s.hashrate_ths = 0.0;
        s.detail = std::string("plug ") + (r->on ? "on" : "off") +
                   (r->power_w ? "" : ", no power reading");
        s.caps = caps();
        last_state_ = s;
        return s;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, family_ + " " + id_ + ": read state: " + e.what());
    }
}

Status PlugDriver::apply(const MinerTarget& target) noexcept {
    try {
        if (!probed_) {
            auto c = probe();
            if (!c) return c.error();
        }
        auto r = read_relay();
        if (!r) {
            auto e = error(r.error());
            mark_offline(e);
            return e;
        }
        if (r->on == target.run) return Status::success();   // nothing to send
        if (auto st = set_relay(target.run); !st) return error(st);
        using Clock = std::chrono::steady_clock;
        const auto deadline = Clock::now() + config_.verify_timeout;
        const auto step = std::clamp(config_.verify_timeout / 10, Duration{50}, Duration{1000});
        bool seen = r->on;
        while (true) {
            if (auto back = read_relay()) {
                seen = back->on;
                if (seen == target.run) return Status::success();
            }
            if (Clock::now() + step > deadline) break;
            std::this_thread::sleep_for(step);
        }
        return Status::error(ErrorCode::not_applied,
                             family_ + " " + id_ + ": verify relay: switch acknowledged but not "
                             "applied: expected " + (target.run ? "on" : "off") +
                             ", plug reports " + (seen ? "on" : "off") + " after " +
                             format_duration(config_.verify_timeout));
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, family_ + " " + id_ + ": apply: " + e.what());
    }
}

}  // namespace hashsink::miners
