// Source type "modbus": any Modbus device described by a register-map profile (TOML data), over
// TCP or RTU. The connection is shared with every other source on the same host:port or serial
// device; points are read in as few requests as possible and each value is checked (sentinel,
// NaN, range) before it is passed on.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "adapters/sensors/profiles/modbus_profile.hpp"
#include "adapters/transport/modbus_link.hpp"
#include "daemon/core/settings.hpp"
#include "daemon/core/source.hpp"

namespace hashsink::sensors {

// One read of a whole profile.
struct ProfileReading {
    std::map<std::string, profiles::PointValue> points;
    std::map<std::string, profiles::SignalValue> signals;
    int blocks_read = 0;
    int blocks_refused = 0;  // answered with a Modbus exception
};

// Reads every point of profile from unit over client (which must be set up for the device).
// Modbus exceptions mark the block's points as refused; any other failure is returned.
Result<ProfileReading> read_profile(transport::ModbusClient& client,
                                    const profiles::Profile& profile, int unit) noexcept;

struct ModbusSourceConfig {
    std::string profile;                 // name
    std::string profile_dir;             // empty: the installed directory, then built-in
    transport::ModbusEndpoint endpoint;  // unit 0 / port 0 / baud 0: the profile's
    double rating_w = 0;                 // > 0: published as the profile's rating signal
    double frequency_min_hz = 0;         // > 0: published as genset.frequency_min_hz
};

class ModbusProfileSource final : public Source {
public:
    static constexpr int kBudgetFactor = 3;

    ModbusProfileSource(std::string id, ModbusSourceConfig config);
    std::string_view type_name() const override { return "modbus"; }
    Status collect(TimePoint now, Accumulator& out) noexcept override;

    static const Settings<ModbusSourceConfig>& settings();  // defaults and ranges
    static const KeyTable& keys();
    static ModbusSourceConfig config_from(const Options& options);

private:
    Status setup();
    Status with_context(Status st) const;

    std::string id_;
    ModbusSourceConfig config_;
    std::optional<profiles::Profile> profile_;
    transport::ModbusEndpoint endpoint_;  // with the profile's defaults filled in
    std::shared_ptr<transport::ModbusLink> link_;
};

// Fills endpoint fields left at 0 (unit, port, serial settings) from the profile.
transport::ModbusEndpoint endpoint_for(const profiles::Profile& profile,
                                       transport::ModbusEndpoint given, bool explicit_serial);

}  // namespace hashsink::sensors
