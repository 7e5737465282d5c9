// [modbus_server]'s register map, pure: the input registers a status makes, the holding
// registers the server keeps, and what a write does to them or why it is refused. No I/O: the
// server (modbus_server.hpp) moves bytes; docs/industrial.md lists every register.
// Addresses are PDU addresses (0-based); 32-bit values take two registers, high word first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config/config.hpp"
#include "daemon/loop/status.hpp"

namespace hashsink::app::modbus_map {

inline constexpr std::uint16_t kVersion = 1;  // input register 0; raised when the map changes

// Input registers: the site block, then one block per miner in config order.
inline constexpr int kSiteRegisters = 24;
inline constexpr int kMinerBase = 100;
inline constexpr int kMinerStride = 10;

// Holding registers.
inline constexpr int kHoldingBase = 100;
inline constexpr int kLimitHigh = 100;     // the site limit, W, u32 (100 and 101, one FC 16 write)
inline constexpr int kEnable = 102;        // 1: the limit is in force; 0: cleared
inline constexpr int kHeartbeat = 103;     // any value: the manager is alive
inline constexpr int kTimeout = 104;       // read-only: heartbeat_timeout, s
inline constexpr int kFailsafeHigh = 105;  // read-only: failsafe_limit_w, W, u32
inline constexpr int kHoldingCount = 7;
inline constexpr int kWritableEnd = 104;  // writes may touch 100..103 only

inline constexpr std::uint32_t kNoneU32 = 0xFFFF'FFFF;  // a u32 that is not known or not set
inline constexpr std::uint32_t kNoneS32 = 0x8000'0000;  // an s32 that is not known
inline constexpr std::uint16_t kNoneU16 = 0xFFFF;
inline constexpr double kMaxLimitW = 1e8;  // a written limit above this is refused

// A Modbus exception code, or none.
enum class Refusal : std::uint8_t {
    none = 0,
    illegal_function = 1,
    illegal_address = 2,
    illegal_value = 3,
};

// The holding registers' writable state (the server thread's own).
struct Holding {
    std::optional<std::uint32_t> limit_w;  // nullopt: never written
    bool enabled = false;
    std::uint16_t heartbeat = 0;  // the last value written
    bool operator==(const Holding&) const = default;
};

// Input registers 0.. (site block, miner blocks) from the latest status; nullptr: no tick yet.
std::vector<std::uint16_t> input_registers(const loop::LoopStatus* status, TimePoint now);
// Holding registers kHoldingBase..: the writable state and the read-only settings.
std::vector<std::uint16_t> holding_registers(const Holding& holding,
                                             const config::ModbusServerSection& settings);

// A write of `values` from `address` (FC 06 or 16) applied to `holding`: the next state, or
// why it is refused (an address outside 100..103 or half of the limit; a value out of range).
struct WriteOutcome {
    Refusal refusal = Refusal::none;
    Holding next;
};
WriteOutcome write(const Holding& holding, int address, const std::vector<std::uint16_t>& values);

// The write a request frame (MBAP header included, `length` bytes) carries: nullopt for a
// function that writes no holding register (reads, coils: libmodbus answers those). A write
// whose quantity or byte count is wrong, or a function that writes registers in ways the map
// does not take (FC 22, 23), comes back refused.
struct WriteRequest {
    Refusal refusal = Refusal::none;
    int address = 0;
    std::vector<std::uint16_t> values;
};
std::optional<WriteRequest> parse_write(const std::uint8_t* frame, int length);

}  // namespace hashsink::app::modbus_map
