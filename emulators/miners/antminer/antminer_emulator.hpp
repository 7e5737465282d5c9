// An emulated stock Antminer: the web CGI behind HTTP Digest auth on a loopback port, with work
// modes, a wake-up ramp and the firmware's faults (slow writes, writes acknowledged without
// effect, reboots). Used by tests, `hashsink emulate antminer` and the demo.
#pragma once

#include <chrono>
#include <mutex>
#include <string>

#include "adapters/miners/antminer/antminer_codec.hpp"
#include "emulators/miners/common/http_emulator.hpp"

namespace hashsink::miners::antminer {

struct EmulatorConfig : emu::Listen {
    std::string model = "Antminer S19 Pro";
    std::string firmware = "Antminer-S19-Pro-20221206";
    std::string user = "root";
    std::string password = "root";
    double normal_power_w = 3250;
    double normal_ths = 110;
    double low_power_w = 2600;         // 0: the model has no low-power mode (3 is refused)
    double low_ths = 92;
    double sleep_power_w = 10;
    double ramp_s = 30;                // from asleep (or a reboot) to full hashrate
    int write_delay_ms = 0;            // set_miner_conf.cgi answers after this long
    // Which key set_miner_conf honours: "both", "miner-mode" or "bitmain-work-mode".
    std::string honours = "both";
};

class AntminerEmulator final : public emu::HttpEmulator {
public:
    explicit AntminerEmulator(EmulatorConfig config = {}, emu::SharedClock emu_clock = {});
    ~AntminerEmulator() override;

    const EmulatorConfig& config() const { return config_; }
    WorkMode mode() const;
    double power_w() const;        // what it draws now (ramps)
    double hashrate_ths() const;
    // Invalidates every Digest nonce handed out (a session expiry): the next request with an
    // old nonce gets 401 stale=true.
    void expire_sessions();
    std::size_t auth_failures() const;

protected:
    void routes(Routes& routes) override;
    void on_reboot() override;

private:
    struct Sim {
        WorkMode mode = WorkMode::normal;
        std::chrono::steady_clock::time_point ramp_start{};
        double from_w = 0, from_ths = 0;
        std::chrono::steady_clock::time_point booted{};
    };
    double target_power_w(WorkMode m) const;
    double target_ths(WorkMode m) const;
    double fraction(const Sim& s, std::chrono::steady_clock::time_point now) const;
    double power_locked(std::chrono::steady_clock::time_point now) const;
    double ths_locked(std::chrono::steady_clock::time_point now) const;
    void set_mode_locked(WorkMode m, std::chrono::steady_clock::time_point now);
    bool authorised(const std::string& method, const std::string& header, bool& stale);
    std::string challenge(bool stale) const;
    std::string summary_body();
    std::string stats_body();
    std::string conf_body() const;

    EmulatorConfig config_;
    mutable std::mutex mutex_;
    Sim sim_;
    std::string nonce_;
    int nonce_serial_ = 0;
    std::size_t auth_failures_ = 0;
};

}  // namespace hashsink::miners::antminer
