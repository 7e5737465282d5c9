// A generic Modbus device for tests and installers: holding and input register tables per unit
// id, served by libmodbus over TCP or RTU (a serial device or one end of a pseudo-terminal
// pair). Every shipped profile is decoded against it; faults (exceptions, silence, garbage)
// can be switched on to test what a source does with a misbehaving device.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "adapters/sensors/profiles/modbus_profile.hpp"
#include "adapters/transport/modbus_client.hpp"
#include "daemon/core/result.hpp"
#include "emulators/transport/modbus_tcp_server.hpp"

struct _modbus;
struct _modbus_mapping_t;

namespace hashsink::sensors {

struct RegisterEmulatorOptions {
    std::string bind = "127.0.0.1";  // TCP
    int port = 0;                    // 0: pick a free port (see port())
    std::string device;              // non-empty: RTU on this serial device
    int baud = 9600;
    char parity = 'N';
    int data_bits = 8;
    int stop_bits = 1;
    std::vector<int> units = {1};  // unit ids answered; others get no answer (RTU) or
                                   // a gateway exception (TCP)
};

enum class EmulatorFault { none, silent, garbage };

class RegisterEmulator {
public:
    explicit RegisterEmulator(RegisterEmulatorOptions options = {});
    ~RegisterEmulator();
    RegisterEmulator(const RegisterEmulator&) = delete;
    RegisterEmulator& operator=(const RegisterEmulator&) = delete;

    Status start();
    void stop();
    int port() const { return server_.port(); }  // TCP

    // Thread-safe. Unknown units are ignored.
    void set_registers(int unit, transport::RegisterTable table, int address,
                       const std::vector<std::uint16_t>& words);
    // Writes a point's physical value as the device would encode it (its scale point's current
    // register value is used as the exponent).
    Status set_point(int unit, const profiles::Profile& profile, const std::string& point,
                     double physical);
    // Any read covering address answers with this Modbus exception code (0: stop).
    void set_exception(int unit, transport::RegisterTable table, int address, int code);
    void set_fault(EmulatorFault fault);
    std::uint64_t requests() const { return requests_; }
    // Unit ids in the order requests arrived (for bus-sharing tests), bounded to the last 256.
    std::vector<int> request_units() const;

private:
    struct Unit {
        _modbus_mapping_t* mapping = nullptr;
        std::map<std::pair<transport::RegisterTable, int>, int> exceptions;
    };

    void serve_rtu();
    // Answers one complete request (TCP: MBAP header + PDU; RTU: address + PDU + CRC).
    void handle(_modbus* ctx, const std::uint8_t* query, int length);

    RegisterEmulatorOptions options_;
    std::map<int, Unit> units_;
    mutable std::mutex mu_;
    EmulatorFault fault_ = EmulatorFault::none;
    std::vector<int> request_units_;
    transport::ModbusTcpServer server_;
    _modbus* ctx_ = nullptr;  // RTU
    std::atomic<std::uint64_t> requests_{0};
    std::atomic<bool> stop_{false};
    std::thread thread_;  // RTU
};

}  // namespace hashsink::sensors
