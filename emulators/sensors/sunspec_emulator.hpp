// An emulated SunSpec inverter (and meter) served over Modbus TCP by libmodbus: the register
// image is built from the same model tables the decoder uses. For tests and `hashsink demo`.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "daemon/core/result.hpp"
#include "daemon/core/snapshot.hpp"
#include "emulators/transport/modbus_tcp_server.hpp"

struct _modbus;
struct _modbus_mapping_t;

namespace hashsink::sensors::sunspec {

// Live values, physical units. Grid power is + import, - export (as the meter reports it).
struct InverterImage {
    double ac_power_w = 0;
    double dc_power_w = 0;
    std::vector<double> mppt_dc_w;      // one per model-160 module; missing ones read 0
    double rating_w = 5000;             // 120 WRtg
    double wmax_w = 5000;               // 121 WMax
    InverterState state = InverterState::mppt;
    double grid_power_w = 0;
    double ac_voltage_v = 230;
    double frequency_hz = 50;
    double lifetime_wh = 0;
    double meter_import_wh = 0;
    double meter_export_wh = 0;
};

struct EmulatorOptions {
    std::string bind = "127.0.0.1";
    int port = 0;                   // 0: pick a free port (see port())
    int base_address = 40000;       // 40000, 50000 or 0
    int common_length = 66;         // model 1 L: 66, or 65 as some vendors ship it
    bool float_models = false;      // 113 + 213 instead of 103 + 203
    int mppt_count = 2;             // model 160 modules (0: no model 160)
    bool include_meter = true;      // meter model in the inverter's chain
    int unit_id = 1;
    int meter_unit_id = 0;          // >0: the meter answers on this unit, in its own chain
    std::string manufacturer = "hashsink";
    std::string model = "emulated inverter";
    std::string serial = "HS0001";
};

// Faults a test switches on while the emulator serves; all off by default.
struct EmulatorFaults {
    int exception = 0;     // >0: every request is answered with this Modbus exception code
    int serve_unit = 0;    // >0: the inverter answers this unit id only (others: exception 0x0B)
    int reply_unit = 0;    // >0: answers carry this unit id instead of the one asked
    bool swallow = false;  // requests are read and never answered: a half-open peer
    int latency_ms = 0;    // each answer leaves this late (the server answers one at a time)
};

class SunspecEmulator {
public:
    explicit SunspecEmulator(EmulatorOptions options = {});
    ~SunspecEmulator();
    SunspecEmulator(const SunspecEmulator&) = delete;
    SunspecEmulator& operator=(const SunspecEmulator&) = delete;

    // Binds and starts serving on a background thread.
    Status start();
    void stop();
    int port() const { return server_.port(); }

    // Thread-safe. While the model-123 limit is enabled the served AC power (and DC power, in
    // proportion) is capped at WMaxLimPct x WMax and St reads THROTTLED, as an inverter would.
    void update(const InverterImage& image);

    // Model 123 as last written by a client.
    double limit_pct() const;
    bool limit_enabled() const;

    // Absolute address of a point (for tests); -1 when the model or point is not served.
    int address_of(std::uint16_t model_id, const std::string& point) const;

    // Fault injection, thread-safe. set_faults replaces the faults in force.
    void set_faults(const EmulatorFaults& faults);
    // Serves these raw words for a point whatever update() renders, until clear_overrides(); an
    // overridden scale factor also scales what update() renders.
    void override_point(std::uint16_t model_id, const std::string& point,
                        std::vector<std::uint16_t> words);
    void clear_overrides();
    // Called on the server thread after every answered read, without the emulator's lock: a test
    // changes the image between the requests of one multi-request read with it.
    void after_each_read(std::function<void()> hook);

private:
    struct Block {
        std::uint16_t id;
        int address;         // of the ID register
        std::uint16_t length;
        int unit_index;      // 0 inverter, 1 meter unit
    };
    struct Unit {
        int unit_id = 0;
        int base = 0;
        int size = 0;                      // registers from base to the end marker
        _modbus_mapping_t* mapping = nullptr;   // holds the registers
    };

    void build();
    void render_locked();
    void apply_overrides_locked();
    void handle(_modbus* ctx, const std::uint8_t* query, int length);
    // Answers a request for units_[index] (under the lock); false when it was refused.
    bool answer(_modbus* ctx, const std::vector<std::uint8_t>& request, int index);
    Block* find_block(std::uint16_t id);
    const Block* find_block(std::uint16_t id) const;
    void put(std::uint16_t model_id, const std::string& point, double value);
    void put_string(std::uint16_t model_id, const std::string& point, const std::string& text);
    void put_raw(std::uint16_t model_id, const std::string& point, std::uint16_t raw);
    std::uint16_t* reg(int unit_index, int address);
    double get_locked(std::uint16_t model_id, const std::string& point) const;

    EmulatorOptions options_;
    std::vector<Block> blocks_;
    std::vector<Unit> units_;
    InverterImage image_;
    EmulatorFaults faults_;
    std::map<std::pair<std::uint16_t, std::string>, std::vector<std::uint16_t>> overrides_;
    std::function<void()> after_read_;
    mutable std::mutex mu_;
    transport::ModbusTcpServer server_;
};

}  // namespace hashsink::sensors::sunspec
