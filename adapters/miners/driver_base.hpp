// What every miner driver shares: its family and id, the last state it read, the capabilities
// it probed, errors that name the driver and miner, the offline state after an I/O failure, and
// the three operations of MinerDriver, none of which lets an exception out.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>

#include "daemon/core/miner.hpp"
#include "daemon/core/options.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::miners {

// A family's driver implements probe_miner, read_miner and apply_target; this class wraps them:
// - probe: probe_miner;
// - read_state: probes first while nothing is probed or after the miner was offline (the
//   firmware may have changed), then read_miner, whose state becomes last_state();
// - apply: probes first while nothing is probed, then apply_target.
// An exception in any of them becomes a protocol error "<family> <id>: <operation>: <what>".
// Not thread-safe: one caller at a time (the fleet serialises calls per miner).
class DriverBase : public MinerDriver {
public:
    std::string_view driver_name() const override { return family_; }
    Result<MinerCaps> probe() noexcept override;
    Result<MinerState> read_state() noexcept override;
    Status apply(const MinerTarget& target) noexcept override;

    const std::string& id() const { return id_; }
    // The last state read (offline with the cause in detail after a failed read).
    const MinerState& last_state() const { return last_state_; }

protected:
    DriverBase(std::string family, std::string id);

    virtual Result<MinerCaps> probe_miner() = 0;
    virtual Result<MinerState> read_miner() = 0;
    virtual Status apply_target(const MinerTarget& target) = 0;

    // The capabilities an offline state still shows.
    virtual MinerCaps known_caps() const { return caps_.value_or(MinerCaps{}); }

    // "<family> <id>: <cause>", keeping the cause's code and retryability.
    virtual Status error(const Status& cause) const;
    // The miner is offline: last_state() keeps its identity (model_, firmware_) and
    // capabilities, shows the cause and none of the last measurements.
    void mark_offline(const Status& cause);
    // mark_offline, then the cause, for `return offline(...)` on a failed read.
    Status offline(const Status& cause);

    // Runs `op` (a Status or Result), its exceptions as protocol errors naming `operation`.
    template <class Op>
    auto guarded(std::string_view operation, Op&& op) noexcept -> decltype(op()) {
        try {
            return op();
        } catch (const std::exception& e) {
            return error(
                Status::error(ErrorCode::protocol, std::string(operation) + ": " + e.what()));
        }
    }

    const std::string& family() const { return family_; }
    // A state just read: online, with the family and the identity (model_, firmware_).
    MinerState online_state() const;

    std::optional<MinerCaps> caps_;  // from the last probe; set: the miner was probed
    std::string model_, firmware_;   // the identity an offline state keeps
    MinerState last_state_;

private:
    std::string family_;
    std::string id_;
};

// The measurements a cgminer-style reading has (hashrate, power, frequency, chip and board
// temperatures, fan), into a state.
template <class Reading>
void take_measurements(const Reading& r, MinerState& s) {
    std::tie(s.hashrate_ths, s.power_w, s.frequency_mhz, s.chip_temp_c, s.vr_temp_c, s.fan_rpm) =
        std::tie(r.hashrate_ths, r.power_w, r.frequency_mhz, r.chip_temp_c, r.board_temp_c,
                 r.fan_rpm);
}

}  // namespace hashsink::miners
