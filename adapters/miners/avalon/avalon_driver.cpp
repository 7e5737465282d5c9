#include "adapters/miners/avalon/avalon_driver.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>

#include "adapters/miners/cgminer/cgminer_codec.hpp"
#include "adapters/miners/driver_keys.hpp"
#include "adapters/miners/driver_support.hpp"

namespace hashsink::miners::avalon {

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .include(keys::cgminer_api<DriverConfig>())
            .bind(&DriverConfig::verify_timeout,
                  keys::verify_timeout("How long soft off/on or a work mode may take to show",
                                       Duration{30000}, 0.1, 300))
            .bind(&DriverConfig::power_w,
                  keys::nameplate_power("Draw in the standard work mode (1)"))
            .bind(&DriverConfig::eco_power_w,
                  keys::optional_power("eco_power_w",
                                       "Draw in the eco work mode (0); 0 when not offered"))
            .bind(&DriverConfig::super_power_w,
                  keys::optional_power("super_power_w",
                                       "Draw in the super work mode (2); 0 when not offered"))
            .bind(&DriverConfig::hashrate_ths,
                  keys::hashrate("Hashrate in the standard mode; 0 takes the miner's GHSmm"))
            .bind(&DriverConfig::idle_power_w,
                  keys::standby_power("idle_power_w", "Draw when soft off", 15));
    return settings;
}

AvalonDriver::AvalonDriver(std::string id, DriverConfig config)
    : DriverBase("avalon", std::move(id)),
      config_(std::move(config)),
      client_(config_.host, config_.port, {.timeout = config_.timeout}) {}

MinerCaps AvalonDriver::build_caps(double standard_ths) const {
    MinerCaps c;
    const double ths = config_.hashrate_ths > 0 ? config_.hashrate_ths : standard_ths;
    auto level = [&](double w) {
        return PowerLevel{.power_w = w, .hashrate_ths = config_.power_w > 0 ? ths * w / config_.power_w : 0};
    };
    if (config_.eco_power_w > 0 && config_.eco_power_w < config_.power_w)
        c.levels.push_back(level(config_.eco_power_w));
    c.levels.push_back(level(config_.power_w));
    c.nominal_level = c.levels.size() - 1;
    if (config_.super_power_w > config_.power_w) c.levels.push_back(level(config_.super_power_w));
    c.can_pause = true;
    c.idle_power_w = config_.idle_power_w;
    return c;
}

int AvalonDriver::mode_for_level(std::size_t level) const {
    const bool eco = config_.eco_power_w > 0 && config_.eco_power_w < config_.power_w;
    const std::size_t standard = eco ? 1 : 0;
    if (level < standard) return 0;
    if (level == standard) return 1;
    return 2;
}

Result<MmState> AvalonDriver::read_mm() {
    auto stats = client_.command("stats");
    if (!stats) return error(stats.error());
    auto fields = mm_fields(*stats);
    if (fields.empty()) {
        return error(Status::error(ErrorCode::protocol, "stats: no \"MM ID\" summary entry"));
    }
    return decode_mm(fields);
}

Result<MinerCaps> AvalonDriver::probe_miner() {
    auto v = client_.command("version");
    if (!v) return offline(error(v.error()));
    const auto& ver = transport::first_of(*v, "VERSION");
    model_ = transport::json_string(ver, "PROD");
    if (model_.empty()) model_ = transport::json_string(ver, "MODEL");
    firmware_ = transport::json_string(ver, "CGVERSION");
    if (firmware_.empty()) firmware_ = transport::reply_status(*v).description;
    auto stats = client_.command("stats");
    if (!stats) return offline(error(stats.error()));
    auto f = mm_fields(*stats);
    double ghs_mm = 0;
    if (auto it = f.find("GHSmm"); it != f.end()) ghs_mm = std::strtod(it->second.c_str(), nullptr);
    caps_ = build_caps(ghs_mm > 0 ? ghs_mm / 1e3 : 0);
    return *caps_;
}

Result<MinerState> AvalonDriver::read_miner() {
    auto summary = client_.command("summary");
    if (!summary) return offline(error(summary.error()));
    cgminer::Reading r;
    cgminer::decode_summary(*summary, r);
    auto mm = read_mm();
    if (!mm) return offline(mm.error());
    MinerState s = online_state();
    s.hashrate_ths = mm->hashrate_ths ? mm->hashrate_ths : r.hashrate_ths;
    s.frequency_mhz = mm->frequency_mhz;
    s.power_w = mm->power_w;
    s.chip_temp_c = mm->chip_temp_c;
    s.fan_rpm = mm->fan_rpm;
    s.state = mm->idle.value_or(false) ? MinerRunState::paused : MinerRunState::mining;
    s.detail = mm->system_status;
    if (mm->work_mode)
        s.detail += (s.detail.empty() ? "" : "; ") + std::string("work mode ") +
                    std::to_string(*mm->work_mode);
    s.caps = *caps_;
    return s;
}

Status AvalonDriver::ascset(const std::string& parameter, bool reply_optional) {
    const std::string req = R"({"command":"ascset","parameter":")" + parameter + R"("})";
    auto raw = client_.exchange(req);
    if (!raw) return error(raw.error());
    if (raw->empty()) {
        // softon closes the socket without replying on success.
        if (reply_optional) return Status::success();
        return error(Status::error(ErrorCode::protocol, "ascset " + parameter + ": no reply"));
    }
    auto j = transport::parse_cgminer_reply(*raw, "ascset " + parameter);
    if (!j) return error(j.error());
    auto st = transport::check_reply(*j, "ascset " + parameter);
    return st ? st : error(st);
}

Status AvalonDriver::wait_for(const std::function<bool(const MmState&)>& done,
                              const std::string& expected) {
    const auto step = std::clamp(config_.verify_timeout / 15, Duration{50}, Duration{2000});
    std::string seen = "nothing readable";
    if (read_back_until(config_.verify_timeout, step, [&] {
            auto mm = read_mm();
            if (!mm) return false;
            if (done(*mm)) return true;
            seen = "'" + mm->system_status + "'" +
                   (mm->work_mode ? ", work mode " + std::to_string(*mm->work_mode) : "");
            return false;
        }))
        return Status::success();
    return Status::error(ErrorCode::not_applied,
                         "avalon " + id() +
                             ": verify stats: write acknowledged but not applied: "
                             "expected " +
                             expected + ", miner reports " + seen + " after " +
                             format_duration(config_.verify_timeout));
}

Status AvalonDriver::apply_target(const MinerTarget& target) {
    auto mm = read_mm();
    if (!mm) return offline(mm.error());
    const bool idle = mm->idle.value_or(false);
    const std::string at = "1:" + std::to_string(static_cast<long long>(std::time(nullptr)));
    if (!target.run) {
        if (idle) return Status::success();
        if (auto st = ascset("0,softoff," + at, false); !st) return st;
        return wait_for([](const MmState& m) { return m.idle.value_or(false); }, "idle (soft off)");
    }
    const int mode = mode_for_level(level_for(target, *caps_, 1e-9));
    if (idle) {
        if (auto st = ascset("0,softon," + at, true); !st) return st;
        if (auto st =
                wait_for([](const MmState& m) { return m.idle == false; }, "working (soft on)");
            !st)
            return st;
    }
    if (mm->work_mode != mode) {
        if (auto st = ascset("0,workmode,set," + std::to_string(mode), false); !st) return st;
        return wait_for([mode](const MmState& m) { return m.work_mode == mode; },
                        "work mode " + std::to_string(mode));
    }
    return Status::success();
}

}  // namespace hashsink::miners::avalon
