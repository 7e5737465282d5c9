// SunSpec over Modbus TCP as a Source: walks the device's model chain once (and again after a
// reconnect), then each collect() reads the models it needs and publishes the pv.* and grid.*
// signals.
#pragma once

#include <optional>
#include <string>

#include "adapters/sensors/sunspec/chain.hpp"
#include "adapters/transport/modbus_client.hpp"
#include "daemon/core/settings.hpp"
#include "daemon/core/source.hpp"

namespace hashsink::sensors::sunspec {

// Defaults and ranges: SunspecSource::settings().
struct SourceConfig {
    std::string host;
    int port = 0;
    int unit = 0;
    int meter_unit = 0;        // 0: the meter models sit in the inverter's chain
    int meter_sign = 0;        // -1 flips the meter's W so that + = import
    int base_address = 0;      // -1: auto-detect (40000, 50000, 0)
    Duration timeout{1000};
};

class SunspecSource final : public Source {
public:
    // collect() never takes longer than timeout x kBudgetFactor (plus scheduling noise).
    static constexpr int kBudgetFactor = 3;

    SunspecSource(std::string id, SourceConfig config);
    std::string_view type_name() const override { return "sunspec"; }
    Status collect(TimePoint now, Accumulator& out) noexcept override;

    static const Settings<SourceConfig>& settings();
    static const KeyTable& keys();
    static SourceConfig config_from(const Options& options);

private:
    Status collect_inverter(Accumulator& out);
    Status collect_meter(Accumulator& out);
    Status with_context(Status st) const;

    std::string id_;
    SourceConfig config_;
    transport::ModbusClient client_;
    std::optional<Chain> chain_;
    std::optional<Chain> meter_chain_;
    std::uint64_t walked_at_connection_ = 0;
};

}  // namespace hashsink::sensors::sunspec
