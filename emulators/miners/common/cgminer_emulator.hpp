// The plumbing the 4028-protocol miner emulators share (generic cgminer, Avalon, Whatsminer
// v2): a CgminerServer on loopback, request parsing (JSON or "cmd|param"), command counts and
// faults (latency, STATUS E answers, malformed replies, ignored writes, offline, reboot).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "daemon/core/result.hpp"
#include "emulators/miners/common/downtime.hpp"
#include "emulators/miners/common/emulator_clock.hpp"
#include "emulators/miners/common/listen.hpp"
#include "emulators/transport/cgminer_server.hpp"

namespace hashsink::miners::emu {

class CgminerEmulator {
public:
    // `clock`: what the device's modelled delays run on (null: the steady clock).
    CgminerEmulator(const Listen& listen, SharedClock clock);
    virtual ~CgminerEmulator();   // derived classes call stop() in theirs
    CgminerEmulator(const CgminerEmulator&) = delete;
    CgminerEmulator& operator=(const CgminerEmulator&) = delete;

    Status start();
    void stop();
    int port() const { return bound_port_; }
    std::string host() const { return bind_; }

    void set_latency_ms(int ms) { latency_ms_ = std::max(0, ms); }
    void set_failing(bool on) { failing_ = on; }          // every command: STATUS E
    void set_malformed(bool on) { malformed_ = on; }      // replies cut short, garbage inside
    void set_ignore_writes(bool on) { ignore_writes_ = on; }
    void set_offline(bool on);
    // Closes the port, calls on_reboot(), then listens again once `downtime` has passed on the
    // emulator's clock (asynchronously).
    void reboot(std::chrono::milliseconds downtime = std::chrono::milliseconds{0});

    std::size_t command_count(const std::string& command) const;

protected:
    // The reply to one request (nullopt: close without answering). `request` is the parsed
    // JSON object when the request was JSON, else null.
    virtual std::optional<std::string> reply(const std::string& command, const std::string& param,
                                             const nlohmann::json& request) = 0;
    virtual void on_reboot() {}
    virtual std::string description() const { return "cgminer 4.11.1"; }
    bool ignore_writes() const { return ignore_writes_; }
    // Raw requests go here first (Whatsminer's encrypted envelope); default: parse and reply().
    virtual std::optional<std::string> handle_raw(const std::string& raw);
    // {"STATUS":[{"STATUS":s,"When":..,"Code":code,"Msg":msg,"Description":..}],"id":1}
    nlohmann::ordered_json status_reply(const char* s, int code, const std::string& msg) const;
    // One request through latency, counting, handle_raw and the malformed fault: for derived
    // emulators that also serve another framing (Whatsminer API v3).
    std::optional<std::string> handle(const std::string& raw);
    bool offline() const { return offline_; }
    const EmulatorClock& clock() const { return *clock_; }

private:

    std::string bind_;
    int configured_port_;
    int bound_port_ = 0;
    SharedClock clock_;
    transport::CgminerServer server_;
    std::mutex server_mutex_;
    Downtime downtime_{*clock_, [this](bool off) { set_offline(off); }, [this] { on_reboot(); }};
    std::atomic<bool> offline_{false};
    mutable std::mutex counts_mutex_;
    std::map<std::string, std::size_t> counts_;
    std::atomic<int> latency_ms_{0};
    std::atomic<bool> failing_{false};
    std::atomic<bool> malformed_{false};
    std::atomic<bool> ignore_writes_{false};
};

}  // namespace hashsink::miners::emu
