#include "adapters/miners/axeos/axeos_driver.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "adapters/miners/driver_keys.hpp"
#include "adapters/miners/driver_support.hpp"
#include "adapters/miners/json_fields.hpp"

namespace hashsink::miners::axeos {

namespace {

using nlohmann::json;

constexpr const char* kInfo = "/api/system/info";
constexpr const char* kAsic = "/api/system/asic";
constexpr const char* kSystem = "/api/system";
constexpr const char* kPause = "/api/system/pause";
constexpr const char* kResume = "/api/system/resume";

bool same(std::optional<double> have, double want) {
    return have && std::fabs(*have - want) < 0.5;
}

json as_number(double v) {
    double r = std::round(v);
    if (std::fabs(v - r) < 1e-9) return static_cast<std::int64_t>(r);
    return v;
}

std::string show(std::optional<double> v) {
    if (!v) return "absent";
    std::ostringstream os;
    os << *v;
    return os.str();
}

std::string show(double v) { return show(std::optional<double>(v)); }

}  // namespace

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .bind(&DriverConfig::url,
                  keys::url("Base URL of the miner's web API, e.g. http://192.168.1.50"))
            .bind(&DriverConfig::timeout, keys::timeout(keys::kHttpRequestDeadline, Duration{2000}))
            .bind(&DriverConfig::allow_overclock,
                  keys::allow_overclock("Offer levels above the stock frequency and core voltage"));
    return settings;
}

AxeosDriver::AxeosDriver(std::string id, DriverConfig config)
    : DriverBase("axeos", std::move(id)),
      config_(std::move(config)),
      client_(config_.url, transport::HttpClientOptions{.timeout = config_.timeout}) {}

Result<json> AxeosDriver::get_object(const std::string& path) {
    auto res = client_.get(path);
    if (!res) return error(res.error());
    auto obj = parse_object(res->body, "GET " + path);
    if (!obj) return error(obj.error());
    return obj;
}

Result<MinerCaps> AxeosDriver::probe_miner() {
    auto info = get_object(kInfo);
    if (!info) return offline(info.error());
    std::optional<AsicOptions> asic;
    auto asic_res = client_.get(kAsic);
    if (asic_res) {
        if (auto obj = parse_object(asic_res->body, kAsic)) {
            if (auto decoded = decode_asic(*obj)) asic = *decoded;
        }
    } else if (!(asic_res.error().code == ErrorCode::rejected && !asic_res.error().retryable)) {
        // Timeouts and 5xx are the device's trouble now, not a missing endpoint.
        mark_offline(asic_res.error());
        return error(asic_res.error());
    }
    // Firmware before v2.7.0 has no /api/system/asic (404, or the web UI's page).
    if (!asic) asic = fallback_asic_options(*info);
    asic_ = asic;
    caps_ = build_caps(*info, *asic_, config_.allow_overclock);
    if (caps_->levels.empty()) {
        return error(Status::error(ErrorCode::unsupported,
                                   "probe: no usable frequency/voltage options", false));
    }
    return *caps_;
}

Result<MinerState> AxeosDriver::read_miner() {
    auto info = get_object(kInfo);
    if (!info) return offline(info.error());
    MinerState s = decode_state(*info, asic_ ? &*asic_ : nullptr);
    s.caps = *caps_;
    if (asic_ && asic_->estimated && s.detail.empty()) {
        s.detail =
            "no /api/system/asic (firmware before v2.7.0): options estimated "
            "from the current setting";
    }
    model_ = s.model;
    firmware_ = s.firmware;
    return s;
}

Status AxeosDriver::verify(double frequency_mhz, double core_voltage_mv, bool paused,
                           bool check_setpoint) {
    auto info = get_object(kInfo);
    if (!info) return info.error();
    const auto f = json_number(*info, "frequency");
    const auto v = json_number(*info, "coreVoltage");
    const bool can_pause = caps_ && caps_->can_pause;
    const bool is_paused = json_bool(*info, "miningPaused").value_or(false);
    bool ok = !can_pause || is_paused == paused;
    if (check_setpoint) ok = ok && same(f, frequency_mhz) && same(v, core_voltage_mv);
    if (ok) return Status::success();
    std::string expected, actual;
    if (check_setpoint) {
        expected = "frequency " + show(frequency_mhz) + " MHz, coreVoltage " +
                   show(core_voltage_mv) + " mV, ";
        actual = "frequency " + show(f) + " MHz, coreVoltage " + show(v) + " mV, ";
    }
    expected += std::string("miningPaused ") + (paused ? "true" : "false");
    actual += std::string("miningPaused ") + (is_paused ? "true" : "false");
    return Status::error(ErrorCode::not_applied, "axeos " + id() + ": verify " + kInfo +
                                                     ": write acknowledged but not "
                                                     "applied: expected " +
                                                     expected + "; device reports " + actual);
}

Status AxeosDriver::apply_target(const MinerTarget& target) {
    auto info = get_object(kInfo);
    if (!info) return offline(info.error());
    const bool paused = json_bool(*info, "miningPaused").value_or(false);
    const auto cur_f = json_number(*info, "frequency");
    const auto cur_v = json_number(*info, "coreVoltage");

    auto patch = [&](double f, double v) -> Status {
        json body = {{"frequency", as_number(f)}, {"coreVoltage", as_number(v)}};
        auto res = client_.patch_json(kSystem, body.dump());
        return res ? Status::success() : error(res.error());
    };

    if (!target.run) {
        if (caps_->can_pause) {
            if (paused) return Status::success();
            auto res = client_.post_json(kPause);
            if (!res) return error(res.error());
            return verify(0, 0, true, false);
        }
        // No pause endpoint: the lowest level is as close to stopped as we can get.
        const auto& low = caps_->levels.front();
        const double f = low.frequency_mhz.value_or(0), v = low.core_voltage_mv.value_or(0);
        if (!same(cur_f, f) || !same(cur_v, v)) {
            if (auto st = patch(f, v); !st) return st;
            if (auto st = verify(f, v, false, true); !st) return st;
        }
        return Status::error(ErrorCode::unsupported,
                             "axeos " + id() + ": pause: firmware " + last_state_.firmware +
                                 " has no /api/system/pause (v2.14.0+); set the lowest "
                                 "level (" +
                                 show(f) + " MHz) instead",
                             false);
    }

    auto sp = resolve_setpoint(target, *caps_);
    if (!sp) {
        return Status::error(ErrorCode::unsupported,
                             "axeos " + id() + ": apply: no operating levels known", false);
    }
    bool wrote = false;
    if (paused) {
        auto res = client_.post_json(kResume);
        if (!res) return error(res.error());
        wrote = true;
    }
    if (!same(cur_f, sp->frequency_mhz) || !same(cur_v, sp->core_voltage_mv)) {
        if (auto st = patch(sp->frequency_mhz, sp->core_voltage_mv); !st) return st;
        wrote = true;
    }
    if (!wrote) return Status::success();  // already there: send nothing
    return verify(sp->frequency_mhz, sp->core_voltage_mv, false, true);
}

}  // namespace hashsink::miners::axeos
