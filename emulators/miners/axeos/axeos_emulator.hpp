// An emulated AxeOS (ESP-Miner) device: the firmware's HTTP API on a loopback port, with
// simple physics and fault injection. Used by tests, `hashsink emulate axeos` and the demo.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "emulators/miners/common/http_emulator.hpp"
#include "emulators/transport/multi_port_http_server.hpp"

namespace hashsink::miners::axeos {

// A board as the firmware describes it, plus the figures the physics needs.
struct BoardProfile {
    std::string key;                  // "gamma", "supra", "hex"
    std::string device_model;         // /api/system/asic deviceModel
    std::string asic_model;           // ASICModel
    std::string board_version;        // boardVersion
    std::string swarm_color;
    int asic_count = 1;
    int small_core_count = 0;         // per ASIC (info smallCoreCount)
    int hash_domains = 4;             // per ASIC
    double stock_frequency_mhz = 0;   // defaultFrequency
    double stock_voltage_mv = 0;      // defaultVoltage
    double stock_power_w = 0;         // draw at the stock point
    std::vector<double> frequency_options_mhz;
    std::vector<double> voltage_options_mv;
    double max_power_w = 0;           // info maxPower
    double nominal_voltage_v = 5;     // info nominalVoltage (input)
    double thermal_c_per_w = 1.8;     // chip temperature rise over ambient per watt
};

const std::vector<BoardProfile>& board_profiles();
const BoardProfile* find_board(std::string_view key);   // nullptr when unknown

struct EmulatorConfig : emu::Listen {
    std::string board = "gamma";
    std::string hostname = "bitaxe";
    std::string version = "v2.14.0";  // < v2.14.0: no pause/resume; < v2.7.0: no /asic
    double lag_s = 3.0;               // first-order time constant of power and hashrate
    double ambient_c = 25.0;
    bool paused = false;              // starts paused (RAM only, like the firmware's pause)
};

// Thread-safe: getters and fault setters may be called from any thread while it serves. The
// port, request counts and the latency, 500, malformed, ignored-write and offline faults come
// from emu::HttpEmulator; start() refuses an unknown board. reboot() is like the real restart:
// pause is RAM only and is lost, NVS settings are kept.
class AxeosEmulator : public emu::HttpEmulator {
public:
    explicit AxeosEmulator(EmulatorConfig config = {}, emu::SharedClock emu_clock = {});
    ~AxeosEmulator() override;

    const BoardProfile& board() const { return board_; }

    // Physics (what the device "measures" now).
    double power_w() const;
    double hashrate_ghs() const;
    double chip_temp_c() const;
    double frequency() const;          // setting, MHz
    double core_voltage() const;       // setting, mV
    bool paused() const;

    // The firmware's answer to one request, without a server around it: the httplib routes
    // answer through it, and so does a responder serving a whole fleet from one thread
    // (transport::MultiPortHttpServer). 404 for a path this firmware version lacks. The shared
    // faults that live in the server (latency, HTTP 500, offline, a reboot on write) are not
    // applied here; malformed bodies and ignored writes are.
    transport::HttpReply answer(const transport::HttpRequestLine& request);

    // Faults beyond the shared ones.
    void set_power_fault(const std::string& fault);   // "" clears; info power_fault
    void set_overheat(bool on);              // overheat_mode=1, hashing stops

private:
    struct Sim {
        double frequency_mhz = 0, core_voltage_mv = 0;   // NVS settings
        bool paused = false;                               // RAM only
        bool overheat = false;
        std::string power_fault;
        std::string hostname;
        int autofanspeed = 1, manual_fan_speed = 100, min_fan_speed = 25, temptarget = 60;
        int overclock_enabled = 0, stats_frequency = 0;
        double power_w = 0, hashrate_ghs = 0, temp_c = 0;
        std::chrono::steady_clock::time_point last{}, booted{};
        std::uint64_t shares_accepted = 0;
    };

    void routes(Routes& routes) override;
    void on_reboot() override;
    Status check_config() const override;
    void advance(Sim& s, std::chrono::steady_clock::time_point now) const;
    double target_power_w(const Sim& s) const;
    double expected_hashrate_ghs(const Sim& s) const;
    std::string info_body();
    std::string asic_body() const;
    transport::HttpReply patch_system(const std::string& body);
    transport::HttpReply set_paused(bool paused);
    bool version_at_least(int major, int minor) const;

    EmulatorConfig config_;
    BoardProfile board_;
    bool board_ok_ = false;

    mutable std::mutex mutex_;   // sim_
    mutable Sim sim_;
};

}  // namespace hashsink::miners::axeos
