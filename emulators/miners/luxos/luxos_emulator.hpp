// An emulated LuxOS miner (an Antminer S19k Pro on LUXminer 2025.4.8): the cgminer-style API on
// a loopback port, answering like the recorded replies, with sessions, ATM, curtail, profiles,
// simple physics and fault injection. Used by tests and `hashsink emulate luxos`.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/core/result.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "emulators/miners/common/listen.hpp"
#include "emulators/transport/cgminer_server.hpp"

namespace hashsink::miners::luxos {

struct EmulatorConfig : emu::Listen {
    double lag_s = 3.0;               // power/hashrate time constant
    double session_ttl_s = 60;        // idle expiry of the one session
    bool atm_enabled = true;
};

class LuxosEmulator {
public:
    explicit LuxosEmulator(EmulatorConfig config = {}, emu::SharedClock emu_clock = {});
    ~LuxosEmulator();
    LuxosEmulator(const LuxosEmulator&) = delete;
    LuxosEmulator& operator=(const LuxosEmulator&) = delete;

    Status start();
    void stop();
    int port() const { return server_.port(); }
    std::string host() const { return config_.bind; }

    // What the device is doing.
    std::string profile() const;
    bool sleeping() const;
    bool atm_enabled() const;
    double power_w() const;
    bool session_active() const;

    // Faults.
    void set_latency_ms(int ms);
    void set_failing(bool on);          // every command answers STATUS F
    void set_malformed(bool on);        // replies are unparsable garbage
    void set_ignore_writes(bool on);    // curtail/profileset answer S, change nothing (atmset works)
    void set_offline(bool on);          // closes the port; false listens again
    void expire_sessions();             // the current session is forgotten (idle expiry)
    void hold_foreign_session();        // someone else is logged on
    void reboot();                      // mid-ramp: power falls, sessions dropped, ramps again

    std::size_t command_count(const std::string& command) const;

private:
    std::optional<std::string> handle(const std::string& request);
    nlohmann::ordered_json reply(const std::string& cmd, const std::string& param);
    void advance(std::chrono::steady_clock::time_point now);
    double target_w() const;

    EmulatorConfig config_;
    emu::SharedClock clock_;  // its ramp, session expiry and uptime
    transport::CgminerServer server_;
    mutable std::mutex mutex_;
    std::string profile_ = "default";
    bool sleeping_ = false;
    bool atm_ = true;
    std::string session_;
    std::chrono::steady_clock::time_point session_used_{};
    int session_counter_ = 0;
    double power_w_ = 0;
    std::chrono::steady_clock::time_point last_{}, booted_{};
    std::map<std::string, std::size_t> counts_;
    std::atomic<int> latency_ms_{0};
    std::atomic<bool> failing_{false}, malformed_{false}, ignore_writes_{false}, offline_{false};
    int bound_port_ = 0;
};

}  // namespace hashsink::miners::luxos
