#include "adapters/miners/antminer/antminer_driver.hpp"

#include "adapters/miners/driver_support.hpp"

#include <algorithm>
#include <chrono>
#include <thread>

#include "adapters/miners/json_fields.hpp"
#include "adapters/miners/secret_file.hpp"

namespace hashsink::miners::antminer {
namespace {

using nlohmann::json;

constexpr const char* kSystemInfo = "/cgi-bin/get_system_info.cgi";
constexpr const char* kGetConf = "/cgi-bin/get_miner_conf.cgi";
constexpr const char* kSetConf = "/cgi-bin/set_miner_conf.cgi";
constexpr const char* kSummary = "/cgi-bin/summary.cgi";
constexpr const char* kStats = "/cgi-bin/stats.cgi";
constexpr const char* kDefaultPassword = "root";   // Bitmain's factory default

}  // namespace

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .bind(&DriverConfig::url,
                  {.name = "url",
                   .doc = "Base URL of the miner's web interface, e.g. http://192.168.1.70",
                   .required = true})
            .bind(&DriverConfig::user, {.name = "user",
                                        .doc = "Web (HTTP Digest) user",
                                        .fallback = OptionValue{std::string("root")}})
            .bind(&DriverConfig::password_file,
                  {.name = "password_file",
                   .doc = "File holding the web password (default: the factory password root)",
                   .secret = true})
            .bind(&DriverConfig::timeout, {.name = "timeout",
                                           .doc = "Deadline for each read",
                                           .unit = "s",
                                           .fallback = OptionValue{Duration{5000}},
                                           .min = 0.1,
                                           .max = 60})
            .bind(&DriverConfig::write_timeout,
                  {.name = "write_timeout",
                   .doc = "Deadline for set_miner_conf.cgi (firmware has taken about 21 s)",
                   .unit = "s",
                   .fallback = OptionValue{Duration{40000}},
                   .min = 0.1,
                   .max = 300})
            .bind(&DriverConfig::verify_timeout,
                  {.name = "verify_timeout",
                   .doc = "How long a new work mode may take to show before the write counts as "
                          "not applied",
                   .unit = "s",
                   .fallback = OptionValue{Duration{60000}},
                   .min = 0.1,
                   .max = 600})
            .bind(&DriverConfig::power_w, {.name = "power_w",
                                           .doc = "Draw in normal mode (nameplate)",
                                           .unit = "W",
                                           .required = true,
                                           .min = 1,
                                           .max = 20000})
            .bind(&DriverConfig::low_power_w,
                  {.name = "low_power_w",
                   .doc = "Draw in low-power mode (work mode 3); 0 when the model has none",
                   .unit = "W",
                   .fallback = OptionValue{0.0},
                   .min = 0,
                   .max = 20000})
            .bind(&DriverConfig::sleep_power_w, {.name = "sleep_power_w",
                                                 .doc = "Draw while asleep",
                                                 .unit = "W",
                                                 .fallback = OptionValue{10.0},
                                                 .min = 0,
                                                 .max = 500})
            .bind(&DriverConfig::hashrate_ths,
                  {.name = "hashrate_ths",
                   .doc = "Hashrate in normal mode; 0 takes the miner's own ideal rate",
                   .unit = "TH/s",
                   .fallback = OptionValue{0.0},
                   .min = 0,
                   .max = 10000});
    return settings;
}

const KeyTable& driver_keys() { return driver_settings().keys(); }

DriverConfig driver_config(const Options& options) { return driver_settings().from(options); }

std::unique_ptr<MinerDriver> make_driver(const std::string& id, const Options& options) {
    return std::make_unique<AntminerDriver>(id, driver_config(options));
}

AntminerDriver::AntminerDriver(std::string id, DriverConfig config)
    : id_(std::move(id)), config_(std::move(config)) {
    last_state_.driver = "antminer";
    last_state_.detail = "not read yet";
}

Status AntminerDriver::error(const Status& cause) const {
    Status e = driver_error("antminer", id_, cause);
    if (cause.code == ErrorCode::rejected && cause.message.find("HTTP 401") != std::string::npos)
        e.message += " (check user and password_file)";
    return e;
}

Status AntminerDriver::ensure_clients() {
    if (client_) return Status::success();
    std::string password = kDefaultPassword;
    if (!config_.password_file.empty()) {
        auto pw = read_secret_file(config_.password_file, "password_file");
        if (!pw) return error(pw.error());
        password = *pw;
    }
    transport::HttpClientOptions o{.timeout = config_.timeout};
    o.digest_user = config_.user;
    o.digest_password = password;
    client_ = std::make_unique<transport::HttpClient>(config_.url, o);
    o.timeout = config_.write_timeout;
    o.keep_alive = false;   // a 20 s write should not hold the read connection
    write_client_ = std::make_unique<transport::HttpClient>(config_.url, o);
    return Status::success();
}

void AntminerDriver::mark_offline(const Status& cause) {
    last_state_ = offline_state("antminer", model_, firmware_, caps_.value_or(MinerCaps{}), cause);
}

Result<json> AntminerDriver::get_object(transport::HttpClient& client, const std::string& path) {
    auto res = client.get(path);
    if (!res) return error(res.error());
    auto obj = parse_object(res->body, "GET " + path);
    if (!obj) return error(obj.error());
    return obj;
}

MinerCaps AntminerDriver::build_caps(double ideal_ths) const {
    MinerCaps caps;
    const double ths = config_.hashrate_ths > 0 ? config_.hashrate_ths : ideal_ths;
    if (config_.low_power_w > 0 && config_.low_power_w < config_.power_w) {
        // Low-power mode trades clocks for efficiency; hashrate roughly follows power.
        caps.levels.push_back({.power_w = config_.low_power_w,
                               .hashrate_ths = ths * config_.low_power_w / config_.power_w});
    }
    caps.levels.push_back({.power_w = config_.power_w, .hashrate_ths = ths});
    caps.nominal_level = caps.levels.size() - 1;
    caps.can_pause = true;                    // sleep mode
    caps.idle_power_w = config_.sleep_power_w;
    return caps;
}

WorkMode AntminerDriver::mode_for(const MinerTarget& t, const MinerCaps& caps, bool has_low) {
    if (!t.run) return WorkMode::sleep;
    if (!has_low || caps.levels.size() < 2) return WorkMode::normal;
    if (t.level) return *t.level == 0 ? WorkMode::low : WorkMode::normal;
    // No level: the highest that fits the expected draw.
    if (t.power_w > 0 && t.power_w < caps.levels.back().power_w - 1e-9) return WorkMode::low;
    return WorkMode::normal;
}

Result<MinerCaps> AntminerDriver::probe() noexcept {
    try {
        if (auto st = ensure_clients(); !st) {
            mark_offline(st);
            return st;
        }
        auto info = get_object(*client_, kSystemInfo);
        if (!info) {
            mark_offline(info.error());
            return info.error();
        }
        model_ = json_string(*info, "minertype");
        firmware_ = json_string(*info, "system_filesystem_version");
        if (firmware_.empty()) firmware_ = json_string(*info, "firmware_type");
        Telemetry t;
        if (auto summary = get_object(*client_, kSummary)) decode_summary(*summary, t);
        else if (summary.error().code != ErrorCode::rejected) {
            mark_offline(summary.error());
            return summary.error();
        }
        if (model_.empty()) model_ = t.type;
        caps_ = build_caps(t.ideal_hashrate_ths.value_or(0));
        return *caps_;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, "antminer " + id_ + ": probe: " + e.what());
    }
}

Result<MinerState> AntminerDriver::read_state() noexcept {
    try {
        if (!caps_ || !last_state_.online) {
            auto caps = probe();
            if (!caps) return caps.error();
        }
        auto conf = get_object(*client_, kGetConf);
        if (!conf) {
            mark_offline(conf.error());
            return conf.error();
        }
        Telemetry t;
        auto summary = get_object(*client_, kSummary);
        if (!summary) {
            mark_offline(summary.error());
            return summary.error();
        }
        decode_summary(*summary, t);
        auto stats = get_object(*client_, kStats);
        if (!stats) {
            mark_offline(stats.error());
            return stats.error();
        }
        decode_stats(*stats, t);

        MinerState s;
        s.driver = "antminer";
        s.model = model_;
        s.firmware = firmware_;
        s.online = true;
        s.hashrate_ths = t.hashrate_ths;
        s.power_w = t.power_w;
        s.frequency_mhz = t.frequency_mhz;
        s.chip_temp_c = t.chip_temp_c;
        s.vr_temp_c = t.board_temp_c;
        s.fan_rpm = t.fan_rpm;
        const auto mode = decode_work_mode(*conf);
        if (mode == WorkMode::sleep) {
            s.state = MinerRunState::paused;
        } else {
            s.state = MinerRunState::mining;
        }
        if (mode) s.detail = std::string("work mode ") + to_string(*mode);
        else s.detail = "work mode unknown";
        s.caps = *caps_;
        last_state_ = s;
        return s;
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, "antminer " + id_ + ": read state: " + e.what());
    }
}

Status AntminerDriver::apply(const MinerTarget& target) noexcept {
    try {
        if (!caps_) {
            auto caps = probe();
            if (!caps) return caps.error();
        }
        auto conf = get_object(*client_, kGetConf);
        if (!conf) {
            mark_offline(conf.error());
            return conf.error();
        }
        const WorkMode want = mode_for(target, *caps_, config_.low_power_w > 0 &&
                                                           config_.low_power_w < config_.power_w);
        const auto have = decode_work_mode(*conf);
        if (have == want) return Status::success();   // already there: send nothing

        auto res = write_client_->post_json(kSetConf, set_conf_body(*conf, want));
        if (!res) return error(res.error());
        if (auto st = check_set_conf_reply(res->body); !st) return error(st);

        // The CGI acknowledges writes that never take: read the mode back until it shows.
        using Clock = std::chrono::steady_clock;
        const auto deadline = Clock::now() + config_.verify_timeout;
        const auto step = std::clamp(config_.verify_timeout / 10, Duration{100}, Duration{2000});
        std::optional<WorkMode> seen = have;
        while (true) {
            auto back = get_object(*client_, kGetConf);
            if (back) {
                seen = decode_work_mode(*back);
                if (seen == want) return Status::success();
            }
            if (Clock::now() + step > deadline) break;
            std::this_thread::sleep_for(step);
        }
        return Status::error(
            ErrorCode::not_applied,
            "antminer " + id_ + ": verify " + kGetConf + ": write acknowledged but not applied: "
                "expected work mode " + to_string(want) + ", device reports " +
                (seen ? to_string(*seen) : "unknown") + " after " +
                format_duration(config_.verify_timeout));
    } catch (const std::exception& e) {
        return Status::error(ErrorCode::protocol, "antminer " + id_ + ": apply: " + e.what());
    }
}

}  // namespace hashsink::miners::antminer
