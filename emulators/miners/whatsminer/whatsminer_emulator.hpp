// An emulated Whatsminer, answering like the recorded replies (tests/fixtures/whatsminer):
// API v2 on the 4028 port (get_token, AES-encrypted writes, Msg envelopes) or API v3 on its
// own port (length-prefixed JSON, salted write tokens; 4028 then answers only get_version).
// Power follows the limit with a lag; the shared 4028 faults plus token expiry. Used by tests,
// `hashsink emulate whatsminer` and the demo.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "emulators/miners/common/cgminer_emulator.hpp"
#include "emulators/miners/common/lagged_power.hpp"
#include "adapters/miners/whatsminer/v3_link.hpp"
#include "emulators/miners/whatsminer/v3_server.hpp"
#include "adapters/miners/whatsminer/whatsminer_codec.hpp"

namespace hashsink::miners::whatsminer {

struct EmulatorConfig : emu::Listen {  // port: the 4028-style port
    int v3_port = 0;               // API v3 port (v3 only); 0: a free one
    Api api = Api::v2;
    std::string password = "admin";   // v2 admin / v3 account password
    std::string account = "super";    // v3 account allowed to write
    double max_power_w = 3300;     // the highest limit the model accepts
    double power_limit_w = 3300;
    double factory_ths = 126;      // at max_power_w
    double idle_power_w = 20;
    bool mining = true;
    double lag_s = 2;              // power time constant
    double token_ttl_s = 1800;     // v2 token lifetime
};

// The v3 fixture's miner (M60S, 3600 W, 181 TH/s, password "super").
EmulatorConfig v3_defaults();

class WhatsminerEmulator final : public emu::CgminerEmulator {
public:
    explicit WhatsminerEmulator(EmulatorConfig config = {}, emu::SharedClock emu_clock = {});
    ~WhatsminerEmulator() override;

    Status start();   // the 4028 port, and the v3 port in v3 mode
    void stop();
    int v3_port() const { return v3_.port(); }
    Api api() const { return config_.api; }

    bool mining() const;
    double power_limit_w() const;
    double power_w() const;
    std::size_t writes() const;        // writes accepted (applied or, with ignore_writes, not)
    // Forgets every issued v2 token and rotates the v3 salt: the next write is refused once.
    void expire_tokens();

protected:
    std::optional<std::string> reply(const std::string& cmd, const std::string& param,
                                     const nlohmann::json& request) override;
    std::optional<std::string> handle_raw(const std::string& raw) override;
    void on_reboot() override;
    std::string description() const override { return "cgminer 4.9.2"; }

private:
    using Clock = emu::EmulatorClock;
    double advance() const { return power_.advance(target_w()); }
    double target_w() const;
    std::string v2_reply(const std::string& cmd, const nlohmann::json& request);
    std::string v3_reply(const std::string& cmd, const nlohmann::json& request);
    std::string v2_write(const std::string& cmd, const nlohmann::json& request);
    std::string v3_write(const std::string& cmd, const nlohmann::json& request);
    bool set_limit(double w);

    EmulatorConfig config_;
    V3Server v3_;
    mutable std::mutex mutex_;
    bool mining_;
    double limit_w_;
    mutable emu::LaggedPower power_;
    Clock::time_point booted_;
    struct Issued {
        std::string sign;
        Clock::time_point at;
    };
    std::vector<Issued> tokens_;
    std::string salt_ = "BQ5hoXV9";   // v2 key salt (fixed per device)
    std::string v3_salt_ = "uhCiDyVj";
    int salt_counter_ = 0;
    std::size_t writes_ = 0;
};

}  // namespace hashsink::miners::whatsminer
