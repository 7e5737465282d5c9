// The daemon binary as a child process against an inverter emulator and three Bitaxe emulators on
// loopback, with bounded waits on /api/status: where every end-to-end fault test starts.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "tests/support/process.hpp"
#include "tests/support/web_client.hpp"

namespace hashsink::test {

// An inverter with a meter and three Bitaxe-class miners m1..m3; the meter sees what they draw.
struct FaultSite {
    sensors::sunspec::SunspecEmulator inverter;
    std::vector<std::unique_ptr<miners::axeos::AxeosEmulator>> miners;
    double pv_w = 900, house_w = 100;
    double max_draw_w = 500;  // [site] max_draw_w of config()
    std::string miner_timeout = "500ms";  // each miner's timeout in config()

    // `options`: the inverter's layout (float models, MPPT modules...).
    explicit FaultSite(sensors::sunspec::EmulatorOptions options = {});
    miners::axeos::AxeosEmulator& miner(std::size_t i) { return *miners.at(i); }
    // The meter: house load plus whatever the miners draw now, minus the sun.
    void feed();
    // A 300 ms loop, the inverter as source `inverter`, and `extra` appended before the miners;
    // `policy`: the policy's tables (solar surplus by default).
    std::string config(int web_port, const std::string& extra = "",
                       const std::string& policy = kSolarSurplus) const;
    static const std::string kSolarSurplus;
};

// The daemon as a child process with its own directory, config, journal and web port.
struct DaemonChild {
    std::string dir = temp_dir();
    std::string config_path = dir + "/site.toml";
    std::string db = dir + "/journal.db";
    std::string log = dir + "/daemon.log";
    std::vector<std::string> env;  // added to the daemon's environment ("NAME=value")
    int web_port;
    std::unique_ptr<Child> child;

    DaemonChild();
    void start(const std::string& config);
    // Exit status once it has exited, or -1 when it still runs after `limit`.
    int wait_exit(std::chrono::seconds limit);
};

std::optional<nlohmann::json> status_of(int port);

// Polls /api/status until pred holds (bounded), keeping the meter in step with the miners.
// `each` sees every status on the way (to check an invariant holds throughout).
nlohmann::json wait_for(FaultSite& site, int port,
                        const std::function<bool(const nlohmann::json&)>& pred,
                        std::chrono::seconds limit,
                        const std::function<void(const nlohmann::json&)>& each = nullptr);

const nlohmann::json* miner_in(const nlohmann::json& s, const std::string& id);
const nlohmann::json* source_in(const nlohmann::json& s, const std::string& id);
bool is_mining(const nlohmann::json& s, const std::string& id);
bool all_mining(const nlohmann::json& s);  // m1, m2 and m3
// One line per miner of `s` (online, state, target, applied, last error): what a failed
// all_mining() was looking at, short enough to survive a truncated test log.
std::string miners_in_brief(const nlohmann::json& s);
std::uint64_t tick_of(const nlohmann::json& s);

// Logs `admin` in as the admin, through the first run's setup code the daemon logged.
void log_in_as_admin(Browser& admin, const DaemonChild& d);

// Starts the daemon on `config` and waits until every miner mines; the status then.
nlohmann::json start_until_mining(FaultSite& site, DaemonChild& d, const std::string& config);

}  // namespace hashsink::test
