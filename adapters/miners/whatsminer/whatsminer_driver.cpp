#include "adapters/miners/whatsminer/whatsminer_driver.hpp"

#include <algorithm>
#include <cmath>

#include "adapters/miners/driver_support.hpp"
#include "adapters/miners/secret_file.hpp"
#include "adapters/miners/whatsminer/v3_link.hpp"

namespace hashsink::miners::whatsminer {

using nlohmann::json;

namespace {

// v2: 135 token expired; 23 the command did not decrypt to JSON (wrong key, i.e. password);
// 45 write refused. v3: -4 no permission (token refused).
bool v2_auth_refusal(long code) { return code == 135 || code == 23 || code == 45; }
constexpr long kV3NoPermission = -4;

}  // namespace

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .bind(&DriverConfig::host,
                  {.name = "host", .doc = "Miner address (IP or name)", .required = true})
            .bind(&DriverConfig::port, {.name = "port",
                                        .doc = "API v2 port (JSON over TCP)",
                                        .fallback = OptionValue{std::int64_t{4028}},
                                        .min = 1,
                                        .max = 65535})
            .bind(&DriverConfig::v3_port, {.name = "v3_port",
                                           .doc = "API v3 port (length-prefixed JSON over TCP)",
                                           .fallback = OptionValue{std::int64_t{4433}},
                                           .min = 1,
                                           .max = 65535})
            .bind(&DriverConfig::api,
                  {.name = "api",
                   .doc = "API generation; auto picks by firmware (v3 after 2024-11)",
                   .fallback = OptionValue{std::string("auto")},
                   .choices = {"auto", "v2", "v3"}})
            .bind(&DriverConfig::password_file,
                  {.name = "password_file",
                   .doc = "File holding the API password (first line); needed for writes",
                   .secret = true})
            .bind(&DriverConfig::account, {.name = "account",
                                           .doc = "API v3 account that signs writes",
                                           .fallback = OptionValue{std::string("super")}})
            .bind(&DriverConfig::timeout, {.name = "timeout",
                                           .doc = "Deadline for each API command",
                                           .unit = "s",
                                           .fallback = OptionValue{Duration{3000}},
                                           .min = 0.1,
                                           .max = 30})
            .bind(&DriverConfig::verify_timeout,
                  {.name = "verify_timeout",
                   .doc = "How long a write may take to show when read back",
                   .unit = "s",
                   .fallback = OptionValue{Duration{20000}},
                   .min = 0.1,
                   .max = 300})
            .bind(&DriverConfig::power_w,
                  {.name = "power_w",
                   .doc = "Highest power limit to use; 0 takes the limit the miner reports",
                   .unit = "W",
                   .fallback = OptionValue{0.0},
                   .min = 0,
                   .max = 20000})
            .bind(&DriverConfig::min_power_w,
                  {.name = "min_power_w",
                   .doc = "Lowest power limit to use; 0 is half of power_w",
                   .unit = "W",
                   .fallback = OptionValue{0.0},
                   .min = 0,
                   .max = 20000})
            .bind(&DriverConfig::power_step_w, {.name = "power_step_w",
                                                .doc = "Granularity of the limit",
                                                .unit = "W",
                                                .fallback = OptionValue{50.0},
                                                .min = 1,
                                                .max = 1000})
            .bind(&DriverConfig::hashrate_ths,
                  {.name = "hashrate_ths",
                   .doc = "Hashrate at power_w; 0 takes the factory hashrate",
                   .unit = "TH/s",
                   .fallback = OptionValue{0.0},
                   .min = 0,
                   .max = 10000})
            .bind(&DriverConfig::idle_power_w, {.name = "idle_power_w",
                                                .doc = "Draw when powered off",
                                                .unit = "W",
                                                .fallback = OptionValue{20.0},
                                                .min = 0,
                                                .max = 500});
    return settings;
}

const KeyTable& driver_keys() { return driver_settings().keys(); }

DriverConfig driver_config(const Options& options) { return driver_settings().from(options); }

std::unique_ptr<MinerDriver> make_driver(const std::string& id, const Options& options) {
    return std::make_unique<WhatsminerDriver>(id, driver_config(options));
}

WhatsminerDriver::WhatsminerDriver(std::string id, DriverConfig config,
                                   std::function<std::time_t()> clock)
    : id_(std::move(id)),
      config_(std::move(config)),
      clock_(std::move(clock)),
      client_(config_.host, config_.port, {.timeout = config_.timeout}) {
    last_state_.driver = "whatsminer";
    last_state_.detail = "not read yet";
}

Status WhatsminerDriver::error(const Status& cause) const {
    return driver_error("whatsminer", id_, cause);
}

void WhatsminerDriver::mark_offline(const Status& cause) {
    last_state_ =
        offline_state("whatsminer", model_, firmware_, caps_.value_or(MinerCaps{}), cause);
}

Result<json> WhatsminerDriver::v3_call(const std::string& cmd, const json& param) {
    json req{{"cmd", cmd}};
    if (!param.is_null()) req["param"] = param;
    auto r = v3_exchange(config_.host, config_.v3_port, config_.timeout, req);
    if (!r) return r.error();
    if (auto why = v3_failure(*r); !why.empty())
        return Status::error(ErrorCode::rejected, cmd + ": " + why, false);
    return r;
}

Result<Api> WhatsminerDriver::select_api() {
    if (config_.api == "v2") return Api::v2;
    if (config_.api == "v3") return Api::v3;
    auto v = client_.command("get_version");
    if (v) {
        if (auto version = decode_v2_version(*v)) return api_for(*version);
        return Status::error(ErrorCode::protocol, "get_version: no api_ver or fw_ver in the reply",
                             false);
    }
    // Newer firmware may answer only on the v3 port.
    auto info = v3_call("get.device.info", nullptr);
    if (info) return Api::v3;
    return Status::error(v.error().code, "select API: " + v.error().message + "; v3 " +
                                             info.error().message,
                         v.error().retryable || info.error().retryable);
}

Result<Reading> WhatsminerDriver::read_v2() {
    Reading r;
    auto summary = client_.command("summary");
    if (!summary) return summary.error();
    decode_v2_summary(*summary, r);
    if (!r.hashrate_ths && !r.power_w)
        return Status::error(ErrorCode::protocol, "summary: no SUMMARY hashrate or power");
    auto status = client_.command("status");
    if (!status) return status.error();
    decode_v2_status(*status, r);
    if (auto devs = client_.command("devs")) decode_v2_devs(*devs, r);   // frequency: optional
    return r;
}

Result<Reading> WhatsminerDriver::read_v3() {
    Reading r;
    auto info = v3_call("get.device.info", nullptr);
    if (!info) return info.error();
    // The salt is fetched only when writing (renew_credentials), so a rotated salt shows as a
    // refused write and is renewed there.
    decode_v3_device_info(*info, r, nullptr);
    auto summary = v3_call("get.miner.status", "summary");
    if (!summary) return summary.error();
    decode_v3_summary(*summary, r);
    if (!r.hashrate_ths && !r.power_w)
        return Status::error(ErrorCode::protocol, "get.miner.status: no summary hashrate or power");
    return r;
}

Result<Reading> WhatsminerDriver::read_or_offline() {
    auto r = read();
    if (r) return r;
    auto e = error(r.error());
    mark_offline(e);
    return e;
}

Result<Reading> WhatsminerDriver::read() {
    if (!api_) {
        auto a = select_api();
        if (!a) return a.error();
        api_ = *a;
    }
    return *api_ == Api::v3 ? read_v3() : read_v2();
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

Result<MinerCaps> WhatsminerDriver::probe() noexcept {
    try {
        if (config_.api == "auto") api_.reset();   // firmware may have been upgraded
        auto r = read_or_offline();
        if (!r) return r.error();
        if (*api_ == Api::v2 || r->version.firmware.empty()) {
            if (auto v = client_.command("get_version")) {
                if (auto version = decode_v2_version(*v)) r->version = *version;
            }
        }
        if (*api_ == Api::v2) {
            if (auto d = client_.command("devdetails")) decode_v2_devdetails(*d, *r);
        }
        model_ = r->model.empty() ? "Whatsminer" : r->model;
        firmware_ = (r->version.firmware.empty() ? std::string("btminer") : r->version.firmware) +
                    " (API " + (r->version.api.empty() ? to_string(*api_) : r->version.api) + ")";
        if (r->power_limit_w) seen_limit_w_ = std::max(seen_limit_w_, *r->power_limit_w);
        if (config_.power_w <= 0 && seen_limit_w_ <= 0) {
            auto e = error(Status::error(ErrorCode::protocol,
                                         "probe: the miner reports no power limit; set power_w",
                                         false));
            mark_offline(e);
            return e;
        }
        caps_ = build_caps(*r);
        return *caps_;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, "whatsminer " + id_ + ": probe: " + e.what());
    }
}

Result<MinerState> WhatsminerDriver::read_state() noexcept {
    try {
        if (!caps_ || !last_state_.online) {
            auto c = probe();
            if (!c) return c.error();
        }
        auto r = read_or_offline();
        if (!r) return r.error();
        MinerState s;
        s.driver = "whatsminer";
        s.model = model_;
        s.firmware = firmware_;
        s.online = true;
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
        last_state_ = s;
        return s;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, "whatsminer " + id_ + ": read state: " + e.what());
    }
}

Status WhatsminerDriver::renew_credentials() {
    if (*api_ == Api::v2) {
        auto t = client_.command("get_token");
        if (!t) return t.error();
        const json msg = t->is_object() && t->contains("Msg") ? (*t)["Msg"] : json();
        const std::string time = transport::json_string(msg, "time"),
                          salt = transport::json_string(msg, "salt"),
                          newsalt = transport::json_string(msg, "newsalt");
        if (time.empty() || salt.empty() || newsalt.empty())
            return Status::error(ErrorCode::protocol, "get_token: no time, salt or newsalt", false);
        v2_token_ = v2_token(password_, salt, time, newsalt);
        return Status::success();
    }
    auto info = v3_call("get.device.info", "salt");
    if (!info) return info.error();
    const json& msg = (*info)["msg"];
    std::string salt = msg.is_object() ? transport::json_string(msg, "salt") : std::string();
    if (salt.empty())
        return Status::error(ErrorCode::protocol, "get.device.info salt: no salt in the reply", false);
    v3_salt_ = salt;
    return Status::success();
}

Result<json> WhatsminerDriver::v2_write_once(const json& command) {
    const std::string cmd = command.value("cmd", std::string());
    auto raw = client_.exchange(v2_seal(*v2_token_, command));
    if (!raw) {
        const auto& e = raw.error();
        return Status::error(e.code, cmd + ": " + e.message, e.retryable);
    }
    if (raw->empty()) return Status::error(ErrorCode::protocol, cmd + ": no reply");
    auto j = transport::parse_cgminer_reply(*raw, cmd);
    if (!j) return j.error();
    if (auto it = j->find("enc"); it != j->end() && it->is_string()) {
        auto plain = v2_open(v2_token_->aes_key, it->get<std::string>());
        auto inner = plain ? json::parse(*plain, nullptr, false) : json();
        if (!inner.is_object())
            return Status::error(ErrorCode::protocol, cmd + ": encrypted reply does not decrypt");
        return inner;
    }
    return j;   // errors come back in clear
}

Result<json> WhatsminerDriver::v3_write_once(const std::string& cmd, const json& param) {
    const long long ts = static_cast<long long>(clock_());
    json req{{"cmd", cmd},
             {"param", param},
             {"ts", ts},
             {"account", config_.account},
             {"token", v3_token(cmd, password_, v3_salt_, ts)}};
    return v3_exchange(config_.host, config_.v3_port, config_.timeout, req);
}

Result<json> WhatsminerDriver::write(const std::string& cmd, const json& param) {
    if (password_.empty()) {
        if (config_.password_file.empty())
            return Status::error(ErrorCode::invalid, cmd + ": no password_file configured", false);
        auto pw = read_secret_file(config_.password_file, "password_file");
        if (!pw) return Status::error(pw.error().code, cmd + ": " + pw.error().message, false);
        password_ = *pw;
    }
    std::string refusal;
    for (int attempt = 0; attempt < 2; ++attempt) {
        const bool have = *api_ == Api::v2 ? v2_token_.has_value() : !v3_salt_.empty();
        if (!have || attempt > 0) {
            if (attempt > 0) ++renewals_;
            if (auto st = renew_credentials(); !st) return st;
        }
        Result<json> reply = Status::error(ErrorCode::protocol, "no reply");
        if (*api_ == Api::v2) {
            json command = param.is_object() ? param : json::object();
            command["cmd"] = cmd;
            reply = v2_write_once(command);
        } else {
            reply = v3_write_once(cmd, param);
        }
        if (!reply) return reply.error();
        bool auth = false;
        if (*api_ == Api::v2) {
            const auto st = transport::reply_status(*reply);
            if (st.status != "E" && st.status != "F") return reply;
            refusal = "STATUS " + st.status + " code " + std::to_string(st.code) + ": " + st.msg;
            auth = v2_auth_refusal(st.code);
        } else {
            refusal = v3_failure(*reply);
            if (refusal.empty()) return reply;
            auth = transport::json_number(*reply, "code").value_or(0) == kV3NoPermission;
        }
        if (!auth) return Status::error(ErrorCode::rejected, cmd + ": " + refusal, false);
        // A stale token or salt: renew once and repeat.
        v2_token_.reset();
    }
    return Status::error(
        ErrorCode::rejected,
        cmd + ": refused after renewing the " + (*api_ == Api::v2 ? "token" : "salt") + " (" +
            refusal + "): check that password_file holds the " +
            (*api_ == Api::v2 ? "admin" : config_.account) +
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

Status WhatsminerDriver::apply(const MinerTarget& target) noexcept {
    try {
        if (!caps_) {
            auto c = probe();
            if (!c) return c.error();
        }
        auto r = read_or_offline();
        if (!r) return r.error();
        const bool v2 = *api_ == Api::v2;
        const bool mining = r->mining.value_or(true);
        if (!target.run) {
            if (!mining) return Status::success();
            auto w = v2 ? write("power_off", json{{"respbefore", "true"}})
                        : write("set.miner.service", "stop");
            if (!w) return error(w.error());
            auto st = verify("powered off", [](const Reading& x) { return x.mining == false; });
            return st ? st : error(st);
        }
        if (!mining) {
            auto w = v2 ? write("power_on", json::object()) : write("set.miner.service", "start");
            if (!w) return error(w.error());
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
        auto w = v2 ? write("adjust_power_limit", json{{"power_limit", std::to_string(watts)}})
                    : write("set.miner.power_limit", watts);
        if (!w) return error(w.error());
        auto st = verify("power limit " + std::to_string(watts) + " W", [&](const Reading& x) {
            return x.power_limit_w && std::fabs(*x.power_limit_w - want) < tolerance;
        });
        return st ? st : error(st);
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, "whatsminer " + id_ + ": apply: " + e.what());
    }
}

}  // namespace hashsink::miners::whatsminer
