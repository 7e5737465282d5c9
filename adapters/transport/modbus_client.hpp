// A thin RAII wrapper over a libmodbus client, TCP or RTU (RS-485): reads and writes as values,
// reconnects with exponential backoff so a dead device is not hammered, and paces requests so a
// serial bus gets its silent interval between frames.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"

struct _modbus;  // libmodbus's context (modbus_t)

namespace hashsink::transport {

struct ModbusEndpoint {
    std::string host;
    int port = 502;
    int unit = 1;
    Duration response_timeout{1000};
    // RTU: a non-empty device (e.g. /dev/ttyUSB0) selects Modbus RTU instead of TCP.
    std::string device;
    int baud = 9600;
    char parity = 'N';              // 'N', 'E' or 'O'
    int data_bits = 8;
    int stop_bits = 1;
    Duration pace{0};               // least time between the end of one request and the next

    bool rtu() const noexcept { return !device.empty(); }
    // What identifies the connection: "tcp:host:port" or "rtu:/dev/ttyX".
    std::string link_key() const;
};

enum class RegisterTable { holding, input };

class ModbusClient {
public:
    using SteadyTime = std::chrono::steady_clock::time_point;
    static constexpr int kMaxRegistersPerRead = 125;
    static constexpr Duration kFirstBackoff{500};
    static constexpr Duration kMaxBackoff{30000};

    explicit ModbusClient(ModbusEndpoint endpoint);
    ~ModbusClient();
    ModbusClient(const ModbusClient&) = delete;
    ModbusClient& operator=(const ModbusClient&) = delete;

    // Reads count holding registers from addr (0-based wire address), in requests of at most
    // 125 registers.
    Result<std::vector<std::uint16_t>> read_holding_registers(int addr, int count) noexcept;
    // FC4, same rules.
    Result<std::vector<std::uint16_t>> read_input_registers(int addr, int count) noexcept;
    Result<std::vector<std::uint16_t>> read_registers(RegisterTable table, int addr,
                                                      int count) noexcept;
    Status write_register(int addr, std::uint16_t value) noexcept;                  // FC6
    Status write_registers(int addr, const std::vector<std::uint16_t>& values) noexcept;  // FC16

    // The unit id used by later requests (several units may share one connection).
    void set_unit(int unit) noexcept { endpoint_.unit = unit; }
    int unit() const noexcept { return endpoint_.unit; }

    // Requests after this time point fail with a timeout without touching the network; each
    // request's response timeout is cut to what is left. Bounds a multi-request operation.
    void set_deadline(SteadyTime deadline) noexcept { deadline_ = deadline; }
    void clear_deadline() noexcept { deadline_ = SteadyTime::max(); }

    // Counts successful connects: a change means the peer may have restarted.
    std::uint64_t connection_count() const noexcept { return connects_; }
    bool connected() const noexcept { return ctx_ != nullptr; }
    void disconnect() noexcept;
    const ModbusEndpoint& endpoint() const noexcept { return endpoint_; }
    // "modbus host:port" or "modbus /dev/ttyX"
    std::string name() const;
    // The Modbus exception code of the latest failed request (0x02 illegal address, ...); 0 when
    // it failed otherwise.
    int last_exception() const noexcept { return last_exception_; }
    // Requests on the wire so far (tests check pacing and sharing with it).
    std::uint64_t request_count() const noexcept { return requests_; }

private:
    Status ensure_connected(const std::string& operation) noexcept;
    Status prepare(const std::string& operation) noexcept;
    Status fail(const std::string& operation, int err) noexcept;
    void pace() noexcept;
    // One FC3/FC4 request over TCP whose answer must come from the unit asked: n registers, or
    // -1 with errno set (EMBBADSLAVE with answered_unit for another unit's answer).
    int read_tcp(RegisterTable table, int addr, int n, std::uint16_t* dest,
                 int& answered_unit) noexcept;
    void request_done() noexcept;

    ModbusEndpoint endpoint_;
    _modbus* ctx_ = nullptr;
    std::uint64_t connects_ = 0;
    Duration backoff_{0};
    SteadyTime next_attempt_{};
    SteadyTime deadline_ = SteadyTime::max();
    SteadyTime last_request_end_{};
    std::uint64_t requests_ = 0;
    int last_exception_ = 0;
    Duration applied_timeout_{0};  // the response timeout of the latest request or connect
};

// Maps a libmodbus errno (modbus_strerror's argument) to an error code.
ErrorCode modbus_error_code(int err) noexcept;

}  // namespace hashsink::transport
