#include "adapters/miners/luxos/luxos_driver.hpp"

#include <algorithm>
#include <cmath>

#include "adapters/miners/driver_keys.hpp"
#include "adapters/miners/driver_support.hpp"

namespace hashsink::miners::luxos {

namespace {

using nlohmann::json;
using transport::first_of;
using transport::json_bool;
using transport::json_string;

bool session_problem(const Status& st) {
    if (st.code != ErrorCode::rejected) return false;
    std::string m = st.message;
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
    return m.find("session") != std::string::npos && m.find("another session") == std::string::npos;
}

}  // namespace

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .include(keys::cgminer_api<DriverConfig>(
                "Address of the miner (its cgminer-style API on TCP 4028)"))
            .bind(&DriverConfig::verify_timeout,
                  keys::verify_timeout(keys::kReadBackDeadline, Duration{15000}, 0.2, 300))
            .bind(&DriverConfig::allow_overclock,
                  keys::allow_overclock("Offer profiles above the stock (default) profile"));
    return settings;
}

LuxosDriver::LuxosDriver(std::string id, DriverConfig config)
    : DriverBase("luxos", std::move(id)),
      config_(std::move(config)),
      client_(config_.host, config_.port, {.timeout = config_.timeout}) {}

Result<json> LuxosDriver::read(const char* command) {
    auto r = client_.command(command);
    if (!r) return error(r.error());
    return r;
}

Result<json> LuxosDriver::config() { return read("config"); }

Result<json> LuxosDriver::privileged(const std::string& command, const std::string& args) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (session_.empty()) {
            auto logon = client_.command("logon");
            if (!logon) {
                auto e = logon.error();
                // 402: someone else (the web UI, another tool) holds the only session.
                if (e.message.find("code 402") != std::string::npos) e.retryable = true;
                return error(Status::error(e.code, "logon: " + e.message, e.retryable));
            }
            session_ = json_string(first_of(*logon, "SESSION"), "SessionID");
            if (session_.empty() || session_.size() > 128) {
                session_.clear();
                return error(Status::error(ErrorCode::protocol, "logon: no SessionID in reply"));
            }
        }
        auto r = client_.command(command, args.empty() ? session_ : session_ + "," + args);
        if (r) return r;
        if (attempt == 0 && session_problem(r.error())) {
            session_.clear();   // expired (idle timeout) or dropped by a reboot: renew once
            continue;
        }
        return error(r.error());
    }
    return error(Status::error(ErrorCode::rejected, command + ": session could not be renewed"));
}

void LuxosDriver::logoff() noexcept {
    if (session_.empty()) return;
    // Release the only session so the web UI and other tools are not locked out.
    (void)client_.command("logoff", session_);
    session_.clear();
}

Result<MinerCaps> LuxosDriver::probe_miner() {
    auto version = read("version");
    if (!version) return offline(version.error());
    auto st = transport::reply_status(*version);
    std::string lux = json_string(first_of(*version, "VERSION"), "LUXminer");
    if (lux.empty() && st.description.rfind("LUXminer", 0) != 0) {
        return error(Status::error(ErrorCode::unsupported,
                                   "version: not LuxOS ('" + st.description + "')", false));
    }
    lux_version_ =
        lux.empty() ? st.description.substr(std::min<std::size_t>(9, st.description.size())) : lux;
    auto profiles = read("profiles");
    if (!profiles) return offline(profiles.error());
    auto decoded = decode_profiles(*profiles);
    if (!decoded) return error(decoded.error());
    profiles_ = usable_profiles(*decoded, config_.allow_overclock);
    caps_ = build_caps(*decoded, config_.allow_overclock);
    if (caps_->levels.empty()) {
        return error(Status::error(ErrorCode::unsupported, "profiles: none usable", false));
    }
    return *caps_;
}

Result<MinerState> LuxosDriver::read_miner() {
    Replies r;
    auto cfg = config();
    if (!cfg) return offline(cfg.error());
    r.config = std::move(*cfg);
    auto summary = read("summary");
    if (!summary) return offline(summary.error());
    r.summary = std::move(*summary);
    // Optional extras: a firmware without them still reads.
    if (auto p = read("power")) r.power = std::move(*p);
    if (auto t = read("temps")) r.temps = std::move(*t);
    if (auto f = read("fans")) r.fans = std::move(*f);
    MinerState s = decode_state(r);
    if (!lux_version_.empty()) s.firmware = lux_version_;
    const std::string profile = json_string(first_of(r.config, "CONFIG"), "Profile");
    for (const auto& p : profiles_)
        if (p.name == profile && p.frequency_mhz > 0) s.frequency_mhz = p.frequency_mhz;
    if (s.state == MinerRunState::paused) s.hashrate_ths = 0.0;
    s.caps = *caps_;
    model_ = s.model;
    firmware_ = s.firmware;
    return s;
}

Status LuxosDriver::set_profile(const Profile& profile, bool atm_on) {
    // profileset fails while ATM is enabled: switch it off, set, and always restore it.
    if (atm_on) {
        auto off = privileged("atmset", "enabled=false");
        if (!off) return off.error();
    }
    auto set = privileged("profileset", profile.name);
    Status result = set ? Status::success() : set.error();
    if (atm_on) {
        auto on = privileged("atmset", "enabled=true");
        if (!on && result.ok()) result = on.error();
    }
    return result;
}

Status LuxosDriver::apply_target(const MinerTarget& target) {
    struct Logoff {
        LuxosDriver* d;
        ~Logoff() { d->logoff(); }
    } release{this};
    auto cfg = config();
    if (!cfg) return offline(cfg.error());
    const json& c = first_of(*cfg, "CONFIG");
    const bool sleeping = json_string(c, "CurtailMode") == "Sleep";
    const std::string current = json_string(c, "Profile");
    const bool atm_on = json_bool(c, "IsAtmEnabled").value_or(false);

    if (!target.run) {
        if (sleeping) return Status::success();
        auto r = privileged("curtail", "sleep");
        if (!r) return r.error();
        return poll_until(config_.verify_timeout, kReadBackInterval, [&]() -> Status {
            auto now = config();
            if (!now) return now.error();
            auto mode = json_string(first_of(*now, "CONFIG"), "CurtailMode");
            if (mode == "Sleep") return Status::success();
            return error(Status::error(ErrorCode::not_applied,
                                       "verify config: curtail sleep acknowledged but not "
                                       "applied: CurtailMode is '" +
                                           mode + "'"));
        });
    }

    // Which profile: the level, else the highest within power_w, else stock.
    const Profile& want = profiles_.at(level_for(target, *caps_, 1e-6));
    bool wrote = false;
    if (sleeping) {
        auto r = privileged("curtail", "wakeup");
        if (!r) return r.error();
        wrote = true;
    }
    if (current != want.name) {
        if (auto st = set_profile(want, atm_on); !st) return st;
        wrote = true;
    }
    if (!wrote) return Status::success();
    return poll_until(config_.verify_timeout, kReadBackInterval, [&]() -> Status {
        auto now = config();
        if (!now) return now.error();
        const json& n = first_of(*now, "CONFIG");
        auto mode = json_string(n, "CurtailMode");
        auto profile = json_string(n, "Profile");
        if (mode != "Sleep" && profile == want.name) return Status::success();
        return error(Status::error(ErrorCode::not_applied,
                                   "verify config: write acknowledged but not applied: "
                                   "expected profile " +
                                       want.name +
                                       " awake; device reports "
                                       "profile " +
                                       profile + ", CurtailMode " + mode));
    });
}

}  // namespace hashsink::miners::luxos
