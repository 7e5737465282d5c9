#include "adapters/miners/antminer/antminer_driver.hpp"

#include <algorithm>
#include <chrono>

#include "adapters/miners/driver_keys.hpp"
#include "adapters/miners/driver_support.hpp"
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
                  keys::url("Base URL of the miner's web interface, e.g. http://192.168.1.70"))
            .bind(&DriverConfig::user, keys::text("user", "Web (HTTP Digest) user", "root"))
            .bind(&DriverConfig::password_file,
                  keys::secret_file(
                      "password_file",
                      "File holding the web password (default: the factory password root)"))
            .bind(&DriverConfig::timeout,
                  keys::timeout("Deadline for each read", Duration{5000}, 60))
            .bind(&DriverConfig::write_timeout,
                  {.name = "write_timeout",
                   .doc = "Deadline for set_miner_conf.cgi (firmware has taken about 21 s)",
                   .unit = "s",
                   .fallback = OptionValue{Duration{40000}},
                   .min = 0.1,
                   .max = 300})
            .bind(&DriverConfig::verify_timeout,
                  keys::verify_timeout("How long a new work mode may take to show before the "
                                       "write counts as not applied",
                                       Duration{60000}, 0.1, 600))
            .bind(&DriverConfig::power_w, keys::nameplate_power("Draw in normal mode (nameplate)"))
            .bind(&DriverConfig::low_power_w,
                  keys::optional_power(
                      "low_power_w",
                      "Draw in low-power mode (work mode 3); 0 when the model has none"))
            .bind(&DriverConfig::sleep_power_w,
                  keys::standby_power("sleep_power_w", "Draw while asleep", 10))
            .bind(&DriverConfig::hashrate_ths,
                  keys::hashrate("Hashrate in normal mode; 0 takes the miner's own ideal rate"));
    return settings;
}

AntminerDriver::AntminerDriver(std::string id, DriverConfig config)
    : DriverBase("antminer", std::move(id)), config_(std::move(config)) {}

Status AntminerDriver::error(const Status& cause) const {
    Status e = DriverBase::error(cause);
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

Result<MinerCaps> AntminerDriver::probe_miner() {
    if (auto st = ensure_clients(); !st) return offline(st);
    auto info = get_object(*client_, kSystemInfo);
    if (!info) return offline(info.error());
    model_ = json_string(*info, "minertype");
    firmware_ = json_string(*info, "system_filesystem_version");
    if (firmware_.empty()) firmware_ = json_string(*info, "firmware_type");
    Telemetry t;
    if (auto summary = get_object(*client_, kSummary))
        decode_summary(*summary, t);
    else if (summary.error().code != ErrorCode::rejected)
        return offline(summary.error());
    if (model_.empty()) model_ = t.type;
    caps_ = build_caps(t.ideal_hashrate_ths.value_or(0));
    return *caps_;
}

Result<MinerState> AntminerDriver::read_miner() {
    auto conf = get_object(*client_, kGetConf);
    if (!conf) return offline(conf.error());
    Telemetry t;
    auto summary = get_object(*client_, kSummary);
    if (!summary) return offline(summary.error());
    decode_summary(*summary, t);
    auto stats = get_object(*client_, kStats);
    if (!stats) return offline(stats.error());
    decode_stats(*stats, t);

    MinerState s = online_state();
    take_measurements(t, s);
    const auto mode = decode_work_mode(*conf);
    s.state = mode == WorkMode::sleep ? MinerRunState::paused : MinerRunState::mining;
    s.detail = mode ? std::string("work mode ") + to_string(*mode) : "work mode unknown";
    s.caps = *caps_;
    return s;
}

Status AntminerDriver::apply_target(const MinerTarget& target) {
    auto conf = get_object(*client_, kGetConf);
    if (!conf) return offline(conf.error());
    const WorkMode want =
        mode_for(target, *caps_, config_.low_power_w > 0 && config_.low_power_w < config_.power_w);
    const auto have = decode_work_mode(*conf);
    if (have == want) return Status::success();  // already there: send nothing

    auto res = write_client_->post_json(kSetConf, set_conf_body(*conf, want));
    if (!res) return error(res.error());
    if (auto st = check_set_conf_reply(res->body); !st) return error(st);

    // The CGI acknowledges writes that never take: read the mode back until it shows.
    const auto step = std::clamp(config_.verify_timeout / 10, Duration{100}, Duration{2000});
    std::optional<WorkMode> seen = have;
    if (read_back_until(config_.verify_timeout, step, [&] {
            auto back = get_object(*client_, kGetConf);
            if (back) seen = decode_work_mode(*back);
            return back && seen == want;
        }))
        return Status::success();
    return Status::error(ErrorCode::not_applied, "antminer " + id() + ": verify " + kGetConf +
                                                     ": write acknowledged but not applied: "
                                                     "expected work mode " +
                                                     to_string(want) + ", device reports " +
                                                     (seen ? to_string(*seen) : "unknown") +
                                                     " after " +
                                                     format_duration(config_.verify_timeout));
}

}  // namespace hashsink::miners::antminer
