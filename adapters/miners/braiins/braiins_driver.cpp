#include "adapters/miners/braiins/braiins_driver.hpp"

#include <algorithm>
#include <cmath>

#include "adapters/miners/driver_keys.hpp"
#include "adapters/miners/driver_support.hpp"
#include "adapters/miners/secret_file.hpp"
#include "adapters/transport/cgminer_client.hpp"

namespace hashsink::miners::braiins {

namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

}  // namespace

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .bind(&DriverConfig::url,
                  keys::url("Base URL of the miner's web API, e.g. http://192.168.1.60"))
            .bind(&DriverConfig::username, keys::text("username", "Web login user", "root"))
            .bind(&DriverConfig::password_file,
                  keys::secret_file(
                      "password_file",
                      "File holding the web password (first line); absent: empty password"))
            .bind(&DriverConfig::timeout, keys::timeout(keys::kHttpRequestDeadline, Duration{3000}))
            .bind(&DriverConfig::verify_timeout,
                  keys::verify_timeout(keys::kReadBackDeadline, Duration{15000}, 0.2, 300))
            .bind(&DriverConfig::power_step_w,
                  keys::power_step("Granularity of power targets sent to the tuner"));
    return settings;
}

BraiinsDriver::BraiinsDriver(std::string id, DriverConfig config)
    : DriverBase("braiins", std::move(id)),
      config_(std::move(config)),
      client_(config_.url, transport::HttpClientOptions{.timeout = config_.timeout}) {}

Status BraiinsDriver::login() {
    std::string password;
    if (!config_.password_file.empty()) {
        auto pw = read_secret_file(config_.password_file, "password_file");
        if (!pw) return error(Status::error(pw.error().code, "login: " + pw.error().message, false));
        password = *pw;
    }
    json body = {{"username", config_.username}, {"password", password}};
    client_.set_header("Authorization", "");
    auto res = client_.post_json("/api/v1/auth/login", body.dump());
    ++logins_;
    // Never echo the request; the status and the firmware's excerpt are enough.
    if (!res) return error(login_failure(client_, res.error()));
    auto j = json::parse(res->body, nullptr, false);
    const std::string token = transport::json_string(j, "token");
    if (token.empty() || token.size() > 4096) {
        return error(Status::error(ErrorCode::protocol, "POST /api/v1/auth/login: no token"));
    }
    const double timeout_s = transport::json_number(j, "timeout_s").value_or(3600);
    token_ = token;
    token_timeout_ = std::chrono::seconds(static_cast<long>(std::clamp(timeout_s, 1.0, 86400.0)));
    token_expiry_ = SteadyClock::now() + token_timeout_;
    // The token is sent raw, as the API documents; it is never logged.
    client_.set_header("Authorization", token_);
    return Status::success();
}

Result<json> BraiinsDriver::call(const char* method, const std::string& path,
                                 const std::string& body) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        // Renew a little before the idle timeout rather than learn of it from a 401.
        const auto margin = std::min<SteadyClock::duration>(token_timeout_ / 10, std::chrono::seconds(30));
        if (token_.empty() || SteadyClock::now() + margin >= token_expiry_) {
            if (auto st = login(); !st) return st;
        }
        auto res = exchange_json(client_, method, path, body);
        if (!res) {
            if (client_.last_status() == 401 && attempt == 0) {
                token_.clear();   // expired or revoked (reboot): log in again once
                continue;
            }
            return error(res.error());
        }
        token_expiry_ = SteadyClock::now() + token_timeout_;   // each request refreshes it
        return res;
    }
    return error(Status::error(ErrorCode::rejected, path + ": login did not take"));
}

Result<MinerCaps> BraiinsDriver::probe_miner() {
    auto details = call("GET", "/api/v1/miner/details");
    if (!details) return offline(details.error());
    auto constraints = call("GET", "/api/v1/configuration/constraints");
    if (!constraints) return offline(constraints.error());
    auto range = decode_power_range(*constraints);
    if (!range) return error(range.error());
    range_ = *range;
    caps_ = build_caps(*range, *details, config_.power_step_w);
    return *caps_;
}

Result<MinerState> BraiinsDriver::read_miner() {
    Bodies b;
    auto details = call("GET", "/api/v1/miner/details");
    if (!details) return offline(details.error());
    b.details = std::move(*details);
    auto stats = call("GET", "/api/v1/miner/stats");
    if (!stats) return offline(stats.error());
    b.stats = std::move(*stats);
    if (auto c = call("GET", "/api/v1/cooling/state")) b.cooling = std::move(*c);
    if (auto t = call("GET", "/api/v1/performance/tuner-state")) b.tuner = std::move(*t);
    if (auto h = call("GET", "/api/v1/miner/hw/hashboards")) b.hashboards = std::move(*h);
    MinerState s = decode_state(b);
    if (s.state == MinerRunState::paused) s.hashrate_ths = 0.0;
    s.caps = *caps_;
    model_ = s.model;
    firmware_ = s.firmware;
    return s;
}

Status BraiinsDriver::verify(bool run, std::optional<double> watt) {
    return poll_until(config_.verify_timeout, kReadBackInterval, [&]() -> Status {
        auto details = call("GET", "/api/v1/miner/details");
        if (!details) return details.error();
        const int status = static_cast<int>(transport::json_number(*details, "status").value_or(0));
        const bool paused = status == static_cast<int>(BosStatus::paused);
        std::optional<double> target;
        if (watt) {
            auto tuner = call("GET", "/api/v1/performance/tuner-state");
            if (!tuner) return tuner.error();
            target = current_power_target_w(*tuner);
        }
        const bool ok = (paused != run) && (!watt || (target && std::fabs(*target - *watt) < 0.5));
        if (ok) return Status::success();
        std::string expected = run ? "mining" : "paused";
        std::string actual = "status " + std::to_string(status);
        if (watt) {
            expected += ", power target " + transport::whole_number_text(*watt) + " W";
            actual += ", power target " +
                      (target ? transport::whole_number_text(*target) + " W" : "absent");
        }
        return error(Status::error(ErrorCode::not_applied,
                                   "verify: write acknowledged but not applied: expected " +
                                       expected + "; device reports " + actual));
    });
}

Status BraiinsDriver::apply_target(const MinerTarget& target) {
    auto details = call("GET", "/api/v1/miner/details");
    if (!details) return offline(details.error());
    const int status = static_cast<int>(transport::json_number(*details, "status").value_or(0));
    const bool paused = status == static_cast<int>(BosStatus::paused);

    if (!target.run) {
        if (paused) return Status::success();
        auto r = call("PUT", "/api/v1/actions/pause");
        if (!r) return r.error();
        return verify(false, std::nullopt);
    }

    // The watt target: the level's power, else power_w, else the default; clamped to the
    // range and snapped down to the step (never above what was asked).
    double watt = range_->default_w;
    if (target.level && *target.level < caps_->levels.size()) {
        watt = caps_->levels[*target.level].power_w;
    } else if (target.power_w > 0) {
        watt = target.power_w;
    }
    watt = std::clamp(watt, range_->min_w, range_->max_w);
    if (watt > range_->min_w) {
        watt =
            std::max(range_->min_w, std::floor(watt / config_.power_step_w) * config_.power_step_w);
    }
    watt = std::round(watt);

    auto tuner = call("GET", "/api/v1/performance/tuner-state");
    if (!tuner) return tuner.error();
    auto current = current_power_target_w(*tuner);
    bool wrote = false;
    if (paused) {
        auto r = call("PUT", "/api/v1/actions/resume");
        if (!r) return r.error();
        wrote = true;
    }
    if (!current || std::fabs(*current - watt) >= 0.5) {
        // Absolute set only: increment/decrement have reported targets they did not apply.
        json body = {{"watt", static_cast<std::int64_t>(watt)}};
        auto r = call("PUT", "/api/v1/performance/power-target", body.dump());
        if (!r) return r.error();
        wrote = true;
    }
    if (!wrote) return Status::success();
    return verify(true, watt);
}

}  // namespace hashsink::miners::braiins
