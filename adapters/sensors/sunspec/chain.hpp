// Finding a SunSpec device's model chain: the "SunS" marker at 40000, 50000 or 0, then ID/L
// pairs until ID 0xFFFF. Addresses always come from the walk, never from a table.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "adapters/sensors/sunspec/decoder.hpp"
#include "adapters/transport/modbus_client.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::sensors::sunspec {

inline constexpr std::uint16_t kMarkerHigh = 0x5375;   // "Su"
inline constexpr std::uint16_t kMarkerLow = 0x6E53;    // "nS"
inline constexpr std::uint16_t kEndId = 0xFFFF;
inline constexpr int kBaseCandidates[] = {40000, 50000, 0};
inline constexpr std::size_t kMaxModels = 64;

struct ModelLocation {
    std::uint16_t id = 0;
    std::uint16_t length = 0;   // L
    int address = 0;            // of the ID register
    int end() const { return address + 2 + length; }
};

struct Chain {
    int base = 0;
    std::vector<ModelLocation> models;
    const ModelLocation* find(std::uint16_t id) const;
    // The first model whose id is in ids, in chain order.
    const ModelLocation* find_any(std::initializer_list<std::uint16_t> ids) const;
};

// base < 0: try 40000, 50000, 0 in turn.
Result<Chain> walk_chain(transport::ModbusClient& client, int base = -1) noexcept;

// Reads the given models (ranges merged where contiguous) and decodes the known ones. Unknown
// ids are skipped. Keyed by the model's ID address.
Result<std::map<int, DecodedModel>> read_models(transport::ModbusClient& client,
                                                const std::vector<ModelLocation>& which) noexcept;

}  // namespace hashsink::sensors::sunspec
