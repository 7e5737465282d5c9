#include "adapters/miners/vnish/vnish_driver.hpp"

#include <algorithm>

#include "adapters/miners/driver_keys.hpp"
#include "adapters/miners/driver_support.hpp"
#include "adapters/miners/secret_file.hpp"
#include "adapters/transport/cgminer_client.hpp"

namespace hashsink::miners::vnish {

using nlohmann::json;

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .bind(&DriverConfig::url,
                  keys::url("Base URL of the miner's web API, e.g. http://192.168.1.70"))
            .bind(&DriverConfig::password_file,
                  keys::secret_file("password_file",
                                    "File holding the web password (first line), used to unlock"))
            .bind(&DriverConfig::api_key_file,
                  keys::secret_file("api_key_file",
                                    "File holding an API key (first line); used instead of the "
                                    "password when set"))
            .bind(&DriverConfig::timeout, keys::timeout(keys::kHttpRequestDeadline, Duration{3000}))
            .bind(&DriverConfig::verify_timeout,
                  keys::verify_timeout(keys::kReadBackDeadline, Duration{20000}, 0.2, 300));
    return settings;
}

VnishDriver::VnishDriver(std::string id, DriverConfig config)
    : DriverBase("vnish", std::move(id)),
      config_(std::move(config)),
      client_(config_.url, transport::HttpClientOptions{.timeout = config_.timeout}) {}

Status VnishDriver::authenticate() {
    if (!config_.api_key_file.empty()) {
        auto key = read_secret_file(config_.api_key_file, "api_key_file");
        if (!key) return error(Status::error(key.error().code, "api key: " + key.error().message, false));
        client_.set_header("x-api-key", *key);
        authed_ = true;
        return Status::success();
    }
    if (config_.password_file.empty()) {
        return error(Status::error(ErrorCode::invalid,
                                   "unlock: no password_file or api_key_file configured", false));
    }
    auto pw = read_secret_file(config_.password_file, "password_file");
    if (!pw) return error(Status::error(pw.error().code, "unlock: " + pw.error().message, false));
    client_.set_header("Authorization", "");
    auto res = client_.post_json("/api/v1/unlock", json{{"pw", *pw}}.dump());
    ++unlocks_;
    if (!res) return error(login_failure(client_, res.error()));   // 429 stays retryable
    const std::string token = transport::json_string(json::parse(res->body, nullptr, false), "token");
    if (token.empty() || token.size() > 4096) {
        return error(Status::error(ErrorCode::protocol, "POST /api/v1/unlock: no token"));
    }
    client_.set_header("Authorization", "Bearer " + token);
    authed_ = true;
    return Status::success();
}

Result<json> VnishDriver::call(const char* method, const std::string& path,
                               const std::string& body) {
    const std::string full = "/api/v1" + path;
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!authed_) {
            if (auto st = authenticate(); !st) return st;
        }
        auto res = exchange_json(client_, method, full, body);
        if (!res) {
            if (client_.last_status() == 401 && attempt == 0 && config_.api_key_file.empty()) {
                authed_ = false;   // token expired or revoked: unlock again once
                continue;
            }
            return error(res.error());
        }
        return res;
    }
    return error(Status::error(ErrorCode::rejected, full + ": unlock did not take"));
}

Result<MinerCaps> VnishDriver::probe_miner() {
    auto info = call("GET", "/info");
    if (!info) return offline(info.error());
    info_ = *info;
    throttle_ = has_throttle(transport::json_string(info_, "fw_version"));
    auto presets = call("GET", "/autotune/presets");
    if (!presets) return offline(presets.error());
    auto decoded = decode_presets(*presets);
    if (!decoded) return error(decoded.error());
    caps_ = build_caps(*decoded, throttle_, &throttle_pct_, &preset_names_);
    if (caps_->levels.empty()) {
        return error(Status::error(ErrorCode::unsupported,
                                   "autotune/presets: no tuned preset (only tuned presets "
                                   "take effect; run the autotuner first)",
                                   false));
    }
    return *caps_;
}

Result<MinerState> VnishDriver::read_miner() {
    auto summary = call("GET", "/summary");
    if (!summary) return offline(summary.error());
    MinerState s = decode_state(*summary, info_);
    if (auto perf = call("GET", "/perf-summary")) {
        const std::string p = current_preset(*perf);
        if (!p.empty()) s.detail = s.detail.empty() ? "preset " + p : s.detail + "; preset " + p;
    }
    if (s.state == MinerRunState::paused) s.hashrate_ths = 0.0;
    s.caps = *caps_;
    model_ = s.model;
    firmware_ = s.firmware;
    return s;
}

Status VnishDriver::apply_target(const MinerTarget& target) {
    auto summary = call("GET", "/summary");
    if (!summary) return offline(summary.error());
    const json& status = (*summary)["miner"]["miner_status"];
    const std::string state = transport::json_string(status, "miner_state");
    const bool stopped = state == "stopped";
    const int throttled =
        static_cast<int>(transport::json_number(status, "throttled").value_or(100));

    if (!target.run) {
        if (stopped) return Status::success();
        auto r = call("POST", "/mining/stop");
        if (!r) return r.error();
        return poll_until(config_.verify_timeout, kReadBackInterval, [&]() -> Status {
            auto s = call("GET", "/summary");
            if (!s) return s.error();
            auto now = transport::json_string((*s)["miner"]["miner_status"], "miner_state");
            if (now == "stopped") return Status::success();
            return error(Status::error(ErrorCode::not_applied,
                                       "verify /summary: mining stop acknowledged but not "
                                       "applied: miner_state is '" +
                                           now + "'"));
        });
    }

    const std::size_t index = level_for(target, *caps_, 1e-6);
    const std::string& preset = preset_names_.at(index);
    const int pct = throttle_pct_.at(index);
    auto perf = call("GET", "/perf-summary");
    if (!perf) return perf.error();
    bool wrote = false;
    if (stopped) {
        auto r = call("POST", "/mining/start");
        if (!r) return r.error();
        wrote = true;
    }
    if (current_preset(*perf) != preset) {
        // Always answers {"restart_required":..}, applied or not: verified below.
        json body = {{"miner", {{"overclock", {{"preset", preset}}}}}};
        auto r = call("POST", "/settings", body.dump());
        if (!r) return r.error();
        wrote = true;
    }
    if (throttle_ && throttled != pct) {
        auto r = call("POST", "/mining/throttle", json{{"percent", pct}}.dump());
        if (!r) return r.error();
        wrote = true;
    }
    if (!wrote) return Status::success();
    return poll_until(config_.verify_timeout, kReadBackInterval, [&]() -> Status {
        auto p = call("GET", "/perf-summary");
        if (!p) return p.error();
        auto s = call("GET", "/summary");
        if (!s) return s.error();
        const json& st = (*s)["miner"]["miner_status"];
        const std::string now_state = transport::json_string(st, "miner_state");
        const std::string now_preset = current_preset(*p);
        const int now_pct = static_cast<int>(transport::json_number(st, "throttled").value_or(100));
        if (now_state != "stopped" && now_preset == preset && (!throttle_ || now_pct == pct))
            return Status::success();
        return error(Status::error(
            ErrorCode::not_applied,
            "verify: write acknowledged but not applied: expected preset " + preset +
                (throttle_ ? " at " + std::to_string(pct) + " %" : "") +
                ", mining; device reports preset " + now_preset +
                (throttle_ ? " at " + std::to_string(now_pct) + " %" : "") + ", " + now_state));
    });
}

}  // namespace hashsink::miners::vnish
