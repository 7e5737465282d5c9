#include "emulators/miners/cgminer/cgminer_emulator.hpp"

#include <cstdio>

namespace hashsink::miners::cgminer {

using ordered_json = nlohmann::ordered_json;

CgminerEmulator::CgminerEmulator(EmulatorConfig config, emu::SharedClock emu_clock)
    : emu::CgminerEmulator(config, std::move(emu_clock)), config_(std::move(config)) {}

CgminerEmulator::~CgminerEmulator() { stop(); }

void CgminerEmulator::set_hashing(bool on) {
    std::lock_guard lock(mutex_);
    hashing_ = on;
}

std::optional<std::string> CgminerEmulator::reply(const std::string& cmd, const std::string&,
                                                  const nlohmann::json&) {
    std::lock_guard lock(mutex_);
    const double ghs = hashing_ ? config_.ths * 1000 : 0;
    char ghs5s[32];
    std::snprintf(ghs5s, sizeof ghs5s, "%.3f", ghs * 1.0001);
    if (cmd == "version") {
        auto j = status_reply("S", 22, "BMMiner versions");
        j["VERSION"] = ordered_json::array({{{"BMMiner", "1.0.0"}, {"API", "3.1"},
                                             {"Miner", "16.8.1.3"},
                                             {"CompileTime", "Fri Nov 17 17:37:49 CST 2017"},
                                             {"Type", config_.model}}});
        return j.dump();
    }
    if (cmd == "summary") {
        auto j = status_reply("S", 11, "Summary");
        j["SUMMARY"] = ordered_json::array({{{"Elapsed", 50731}, {"GHS 5s", ghs5s},
                                             {"GHS av", config_.ths * 1000}, {"Found Blocks", 0},
                                             {"Accepted", 5077}, {"Rejected", 9},
                                             {"Hardware Errors", 390}}});
        return j.dump();
    }
    if (cmd == "stats") {
        auto j = status_reply("S", 70, "CGMiner stats");
        ordered_json dev;
        dev["STATS"] = 0;
        dev["ID"] = "BC50";
        dev["Elapsed"] = 50731;
        dev["GHS 5s"] = ghs5s;
        dev["GHS av"] = config_.ths * 1000;
        dev["frequency"] = "650";
        dev["fan_num"] = 2;
        dev["fan1"] = 0;
        dev["fan3"] = hashing_ ? 5880 : 1200;
        dev["fan6"] = hashing_ ? 6000 : 1200;
        dev["temp_num"] = 3;
        dev["temp6"] = 58;
        dev["temp7"] = 60;
        dev["temp8"] = 57;
        dev["temp2_6"] = 73;
        dev["temp2_7"] = 75;
        dev["temp2_8"] = 71;
        j["STATS"] = ordered_json::array({{{"BMMiner", "1.0.0"}, {"Miner", "16.8.1.3"},
                                           {"CompileTime", "Fri Nov 17 17:37:49 CST 2017"},
                                           {"Type", config_.model}},
                                          dev});
        // bmminer's `}{` between the two stats objects (no comma): clients must repair it.
        std::string text = j.dump();
        auto pos = text.find("},{\"STATS\":0");
        if (pos != std::string::npos) text.erase(pos + 1, 1);
        return text;
    }
    if (cmd == "config") return status_reply("E", 45, "Access denied to 'config' command").dump();
    return status_reply("E", 14, "Invalid command").dump();
}

}  // namespace hashsink::miners::cgminer
