#include "adapters/miners/avalon/avalon_driver.hpp"

#include "adapters/miners/driver_support.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <functional>
#include <thread>

#include "adapters/miners/cgminer/cgminer_codec.hpp"

namespace hashsink::miners::avalon {

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .bind(&DriverConfig::host,
                  {.name = "host", .doc = "Miner address (IP or name)", .required = true})
            .bind(&DriverConfig::port, {.name = "port",
                                        .doc = "API port",
                                        .fallback = OptionValue{std::int64_t{4028}},
                                        .min = 1,
                                        .max = 65535})
            .bind(&DriverConfig::timeout, {.name = "timeout",
                                           .doc = "Deadline for each API command",
                                           .unit = "s",
                                           .fallback = OptionValue{Duration{3000}},
                                           .min = 0.1,
                                           .max = 30})
            .bind(&DriverConfig::verify_timeout,
                  {.name = "verify_timeout",
                   .doc = "How long soft off/on or a work mode may take to show",
                   .unit = "s",
                   .fallback = OptionValue{Duration{30000}},
                   .min = 0.1,
                   .max = 300})
            .bind(&DriverConfig::power_w, {.name = "power_w",
                                           .doc = "Draw in the standard work mode (1)",
                                           .unit = "W",
                                           .required = true,
                                           .min = 1,
                                           .max = 20000})
            .bind(&DriverConfig::eco_power_w,
                  {.name = "eco_power_w",
                   .doc = "Draw in the eco work mode (0); 0 when not offered",
                   .unit = "W",
                   .fallback = OptionValue{0.0},
                   .min = 0,
                   .max = 20000})
            .bind(&DriverConfig::super_power_w,
                  {.name = "super_power_w",
                   .doc = "Draw in the super work mode (2); 0 when not offered",
                   .unit = "W",
                   .fallback = OptionValue{0.0},
                   .min = 0,
                   .max = 20000})
            .bind(&DriverConfig::hashrate_ths,
                  {.name = "hashrate_ths",
                   .doc = "Hashrate in the standard mode; 0 takes the miner's GHSmm",
                   .unit = "TH/s",
                   .fallback = OptionValue{0.0},
                   .min = 0,
                   .max = 10000})
            .bind(&DriverConfig::idle_power_w, {.name = "idle_power_w",
                                                .doc = "Draw when soft off",
                                                .unit = "W",
                                                .fallback = OptionValue{15.0},
                                                .min = 0,
                                                .max = 500});
    return settings;
}

const KeyTable& driver_keys() { return driver_settings().keys(); }

DriverConfig driver_config(const Options& options) { return driver_settings().from(options); }

std::unique_ptr<MinerDriver> make_driver(const std::string& id, const Options& options) {
    return std::make_unique<AvalonDriver>(id, driver_config(options));
}

AvalonDriver::AvalonDriver(std::string id, DriverConfig config)
    : id_(std::move(id)),
      config_(std::move(config)),
      client_(config_.host, config_.port, {.timeout = config_.timeout}) {
    last_state_.driver = "avalon";
    last_state_.detail = "not read yet";
}

Status AvalonDriver::error(const Status& cause) const {
    return driver_error("avalon", id_, cause);
}

void AvalonDriver::mark_offline(const Status& cause) {
    last_state_ = offline_state("avalon", model_, firmware_, caps_.value_or(MinerCaps{}), cause);
}

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

Result<MinerCaps> AvalonDriver::probe() noexcept {
    try {
        auto v = client_.command("version");
        if (!v) {
            auto e = error(v.error());
            mark_offline(e);
            return e;
        }
        const auto& ver = transport::first_of(*v, "VERSION");
        model_ = transport::json_string(ver, "PROD");
        if (model_.empty()) model_ = transport::json_string(ver, "MODEL");
        firmware_ = transport::json_string(ver, "CGVERSION");
        if (firmware_.empty()) firmware_ = transport::reply_status(*v).description;
        auto stats = client_.command("stats");
        if (!stats) {
            auto e = error(stats.error());
            mark_offline(e);
            return e;
        }
        auto f = mm_fields(*stats);
        double ghs_mm = 0;
        if (auto it = f.find("GHSmm"); it != f.end()) ghs_mm = std::strtod(it->second.c_str(), nullptr);
        caps_ = build_caps(ghs_mm > 0 ? ghs_mm / 1e3 : 0);
        return *caps_;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, "avalon " + id_ + ": probe: " + e.what());
    }
}

Result<MinerState> AvalonDriver::read_state() noexcept {
    try {
        if (!caps_ || !last_state_.online) {
            auto c = probe();
            if (!c) return c.error();
        }
        auto summary = client_.command("summary");
        if (!summary) {
            auto e = error(summary.error());
            mark_offline(e);
            return e;
        }
        cgminer::Reading r;
        cgminer::decode_summary(*summary, r);
        auto mm = read_mm();
        if (!mm) {
            mark_offline(mm.error());
            return mm.error();
        }
        MinerState s;
        s.driver = "avalon";
        s.model = model_;
        s.firmware = firmware_;
        s.online = true;
        s.hashrate_ths = mm->hashrate_ths ? mm->hashrate_ths : r.hashrate_ths;
        s.frequency_mhz = mm->frequency_mhz;
        s.power_w = mm->power_w;
        s.chip_temp_c = mm->chip_temp_c;
        s.fan_rpm = mm->fan_rpm;
        s.state = mm->idle.value_or(false) ? MinerRunState::paused : MinerRunState::mining;
        s.detail = mm->system_status;
        if (mm->work_mode) s.detail += (s.detail.empty() ? "" : "; ") + std::string("work mode ") +
                                       std::to_string(*mm->work_mode);
        s.caps = *caps_;
        last_state_ = s;
        return s;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, "avalon " + id_ + ": read state: " + e.what());
    }
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
    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + config_.verify_timeout;
    const auto step = std::clamp(config_.verify_timeout / 15, Duration{50}, Duration{2000});
    std::string seen = "nothing readable";
    while (true) {
        if (auto mm = read_mm()) {
            if (done(*mm)) return Status::success();
            seen = "'" + mm->system_status + "'" +
                   (mm->work_mode ? ", work mode " + std::to_string(*mm->work_mode) : "");
        }
        if (Clock::now() + step > deadline) break;
        std::this_thread::sleep_for(step);
    }
    return Status::error(ErrorCode::not_applied,
                         "avalon " + id_ + ": verify stats: write acknowledged but not applied: "
                         "expected " + expected + ", miner reports " + seen + " after " +
                         format_duration(config_.verify_timeout));
}

Status AvalonDriver::apply(const MinerTarget& target) noexcept {
    try {
        if (!caps_) {
            auto c = probe();
            if (!c) return c.error();
        }
        auto mm = read_mm();
        if (!mm) {
            mark_offline(mm.error());
            return mm.error();
        }
        const bool idle = mm->idle.value_or(false);
        const std::string at = "1:" + std::to_string(static_cast<long long>(std::time(nullptr)));
        if (!target.run) {
            if (idle) return Status::success();
            if (auto st = ascset("0,softoff," + at, false); !st) return st;
            return wait_for([](const MmState& m) { return m.idle.value_or(false); }, "idle (soft off)");
        }
        std::size_t level = caps_->nominal_level;
        if (target.level) {
            level = std::min(*target.level, caps_->levels.size() - 1);
        } else if (target.power_w > 0) {
            level = 0;
            for (std::size_t i = 0; i < caps_->levels.size(); ++i)
                if (caps_->levels[i].power_w <= target.power_w + 1e-9) level = i;
        }
        const int mode = mode_for_level(level);
        if (idle) {
            if (auto st = ascset("0,softon," + at, true); !st) return st;
            if (auto st = wait_for([](const MmState& m) { return m.idle == false; }, "working (soft on)");
                !st)
                return st;
        }
        if (mm->work_mode != mode) {
            if (auto st = ascset("0,workmode,set," + std::to_string(mode), false); !st) return st;
            return wait_for([mode](const MmState& m) { return m.work_mode == mode; },
                            "work mode " + std::to_string(mode));
        }
        return Status::success();
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, "avalon " + id_ + ": apply: " + e.what());
    }
}

}  // namespace hashsink::miners::avalon
