#include "adapters/miners/cgminer/cgminer_driver.hpp"

#include <algorithm>

#include "adapters/miners/driver_keys.hpp"
#include "adapters/miners/driver_support.hpp"

namespace hashsink::miners::cgminer {

const Settings<DriverConfig>& driver_settings() {
    static const auto settings =
        Settings<DriverConfig>{}
            .include(keys::cgminer_api<DriverConfig>())
            .bind(&DriverConfig::power_w,
                  keys::optional_power("power_w",
                                       "Declared draw while hashing (the API reports none)"))
            .bind(&DriverConfig::hashrate_ths,
                  keys::hashrate("Declared hashrate; 0 takes the measured average"));
    return settings;
}

CgminerDriver::CgminerDriver(std::string id, DriverConfig config)
    : DriverBase("cgminer", std::move(id)),
      config_(std::move(config)),
      client_(config_.host, config_.port, {.timeout = config_.timeout}) {}

MinerCaps CgminerDriver::known_caps() const {
    MinerCaps c;
    if (config_.power_w > 0) {
        c.levels.push_back({.power_w = config_.power_w,
                            .hashrate_ths = config_.hashrate_ths > 0 ? config_.hashrate_ths
                                                                     : measured_ths_});
    }
    c.can_pause = false;   // read-only
    return c;
}

Result<MinerCaps> CgminerDriver::probe_miner() {
    auto v = client_.command("version");
    if (!v) return offline(error(v.error()));
    Reading r;
    decode_version(*v, r);
    identity_ = r;
    model_ = r.model;
    firmware_ = r.firmware;
    caps_ = known_caps();
    return *caps_;
}

Result<MinerState> CgminerDriver::read_miner() {
    Reading r = identity_;
    auto summary = client_.command("summary");
    if (!summary) return offline(error(summary.error()));
    decode_summary(*summary, r);
    // stats is optional on some builds (access denied): monitoring goes on without it.
    auto stats = client_.command("stats");
    if (stats)
        decode_stats(*stats, r);
    else if (stats.error().code != ErrorCode::rejected)
        return offline(error(stats.error()));
    if (r.average_ths) measured_ths_ = *r.average_ths;
    MinerState s = online_state();
    s.model = r.model;  // stats may name the model the version did not
    s.firmware = r.firmware;
    take_measurements(r, s);
    const bool hashing =
        r.hashrate_ths && *r.hashrate_ths > 0.01 * r.average_ths.value_or(0) && *r.hashrate_ths > 0;
    s.state = hashing ? MinerRunState::mining : MinerRunState::error;
    s.detail = hashing ? "read-only (cgminer API)" : "online but not hashing";
    if (!stats) s.detail += "; stats refused: " + stats.error().message;
    s.caps = known_caps();
    return s;
}

Status CgminerDriver::apply(const MinerTarget& target) noexcept { return apply_target(target); }

Status CgminerDriver::apply_target(const MinerTarget& target) {
    if (target.run) return Status::success();
    return error(Status::error(ErrorCode::unsupported,
                               "pause: the cgminer driver is read-only; put the miner behind a "
                               "smart plug (shelly, tasmota) to switch it",
                               false));
}

}  // namespace hashsink::miners::cgminer
