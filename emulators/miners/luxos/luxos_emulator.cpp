#include "emulators/miners/luxos/luxos_emulator.hpp"

#include <cmath>
#include <thread>

#include "adapters/miners/luxos/luxos_codec.hpp"

namespace hashsink::miners::luxos {
namespace {

using SteadyClock = std::chrono::steady_clock;
using ordered_json = nlohmann::ordered_json;

constexpr const char* kDescription = "LUXminer 2025.4.8.220305-57b389c7";
constexpr const char* kModel = "Antminer S19k Pro";

// The recorded S19k Pro profile table (tests/fixtures/luxos/profiles.json): frequency, TH/s,
// W, V and step; "default" is the 590 MHz stock point.
struct Row {
    double mhz, ths, watts, volts;
    int step;
};
constexpr Row kProfiles[] = {
    {190, 39.2, 784, 11.88, -16},  {215, 44.4, 879, 11.88, -15},  {240, 49.5, 978, 11.88, -14},
    {265, 54.7, 1080, 11.88, -13}, {290, 59.8, 1188, 11.88, -12}, {315, 65.0, 1299, 11.88, -11},
    {340, 70.2, 1414, 12.0, -10},  {365, 75.3, 1533, 12.15, -9},  {390, 80.5, 1657, 12.3, -8},
    {415, 85.7, 1785, 12.45, -7},  {440, 90.8, 1916, 12.6, -6},   {465, 96.0, 2052, 12.75, -5},
    {490, 101.1, 2192, 12.9, -4},  {515, 106.3, 2336, 13.05, -3}, {540, 111.5, 2485, 13.2, -2},
    {565, 116.6, 2637, 13.35, -1}, {590, 121.8, 2794, 13.5, 0},   {615, 127.0, 2954, 13.65, 1},
    {640, 132.1, 3119, 13.8, 2},   {665, 137.3, 3288, 13.95, 3},  {690, 142.4, 3461, 14.1, 4},
};

std::string name_of(const Row& r) {
    return r.step == 0 ? "default" : std::to_string(static_cast<int>(r.mhz)) + "MHz";
}

const Row* find_profile(const std::string& name) {
    for (const auto& r : kProfiles)
        if (name_of(r) == name) return &r;
    return nullptr;
}

ordered_json status(const char* s, int code, const std::string& msg) {
    return ordered_json::array({{{"Code", code}, {"Description", kDescription}, {"Msg", msg},
                                 {"STATUS", s}, {"When", std::time(nullptr)}}});
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        auto comma = s.find(',', start);
        if (comma == std::string::npos) comma = s.size();
        out.push_back(s.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

}  // namespace

LuxosEmulator::LuxosEmulator(EmulatorConfig config, emu::SharedClock emu_clock)
    : config_(std::move(config)), clock_(emu::clock_or_steady(std::move(emu_clock))) {
    atm_ = config_.atm_enabled;
    last_ = booted_ = clock_->now();
    power_w_ = target_w();
}

LuxosEmulator::~LuxosEmulator() { stop(); }

Status LuxosEmulator::start() {
    offline_ = false;
    auto st = server_.start(config_.bind, config_.port,
                            [this](const std::string& req) { return handle(req); });
    if (st) bound_port_ = server_.port();
    return st;
}

void LuxosEmulator::stop() { server_.stop(); }

double LuxosEmulator::target_w() const {
    const Row* r = find_profile(profile_);
    const double stock = 2794;
    if (sleeping_ || r == nullptr) return idle_power_estimate_w(stock);
    return r->watts;
}

void LuxosEmulator::advance(SteadyClock::time_point now) {
    const double dt = std::chrono::duration<double>(now - last_).count();
    if (dt <= 0) return;
    last_ = now;
    const double a = config_.lag_s <= 0 ? 1.0 : 1.0 - std::exp(-dt / config_.lag_s);
    power_w_ += (target_w() - power_w_) * a;
}

std::optional<std::string> LuxosEmulator::handle(const std::string& request) {
    const auto until = SteadyClock::now() + std::chrono::milliseconds(latency_ms_.load());
    while (SteadyClock::now() < until && !server_.stopping())
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    auto req = nlohmann::json::parse(request, nullptr, false);
    std::string cmd, param;
    if (req.is_object() && req.contains("command") && req["command"].is_string()) {
        cmd = req["command"].get<std::string>();
        if (req.contains("parameter") && req["parameter"].is_string())
            param = req["parameter"].get<std::string>();
    } else {
        auto bar = request.find('|');   // plain-text form "cmd|param"
        cmd = request.substr(0, bar);
        while (!cmd.empty() && (cmd.back() == '\n' || cmd.back() == '\r')) cmd.pop_back();
        if (bar != std::string::npos) param = request.substr(bar + 1);
    }
    ordered_json out;
    {
        std::lock_guard lock(mutex_);
        ++counts_[cmd];
        advance(clock_->now());
        if (failing_) {
            out = {{"STATUS", status("F", -1, "Internal error")}, {"id", 1}};
        } else {
            out = reply(cmd, param);
        }
    }
    std::string text = out.dump();
    // Garbage no repair can save: the plain-text form half overwritten.
    if (malformed_) text = "STATUS=S,When=17,Code=11,Msg=Summ\x01\x02" + text.substr(text.size() / 2);
    return text;
}

ordered_json LuxosEmulator::reply(const std::string& cmd, const std::string& param) {
    const auto now = clock_->now();
    const Row* row = find_profile(profile_);
    const double elapsed = std::chrono::duration<double>(now - booted_).count();
    auto ok = [&](int code, const std::string& msg, const char* section, ordered_json body) {
        ordered_json j;
        if (section != nullptr) j[section] = std::move(body);
        j["STATUS"] = status("S", code, msg);
        j["id"] = 1;
        return j;
    };
    auto err = [&](int code, const std::string& msg) {
        return ordered_json{{"STATUS", status("E", code, msg)}, {"id", 1}};
    };
    if (!session_.empty() &&
        std::chrono::duration<double>(now - session_used_).count() > config_.session_ttl_s) {
        session_.clear();   // idle expiry
    }
    // Privileged commands: the first parameter is the session id.
    static const char* kPrivileged[] = {"curtail", "profileset", "atmset", "logoff", "rebootdevice"};
    std::vector<std::string> args = split(param);
    for (const char* p : kPrivileged) {
        if (cmd != p) continue;
        if (session_.empty() || args.empty() || args[0] != session_) {
            return err(401, "Invalid session id '" + (args.empty() ? "" : args[0]) + "'");
        }
        session_used_ = now;
        args.erase(args.begin());
    }

    if (cmd == "version") {
        return ok(22, "LUXminer versions", "VERSION",
                  ordered_json::array({{{"API", "3.7"},
                                        {"CompileTime", "Tue Apr  8 22:05:35 UTC 2025"},
                                        {"LUXminer", "2025.4.8.220305-57b389c7"},
                                        {"Miner", "2025.4.8.220305"},
                                        {"Type", kModel}}}));
    }
    if (cmd == "config") {
        return ok(33, "LUXminer config", "CONFIG",
                  ordered_json::array({{{"ASC Count", 3}, {"Cooling", "Air"},
                                        {"CurtailMode", sleeping_ ? "Sleep" : "None"},
                                        {"Hostname", "emulated-luxos"}, {"IsAtmEnabled", atm_},
                                        {"IsPowerSupplyOn", true}, {"IsTuning", false},
                                        {"Model", kModel}, {"NameplateTHS", 121.8}, {"OS", "LuxOS"},
                                        {"Profile", profile_},
                                        {"ProfileStep", row ? std::to_string(row->step) : "0"},
                                        {"SystemStatus", "Normal"}}}));
    }
    const double ths = sleeping_ || row == nullptr
                           ? 0.0
                           : row->ths * std::clamp(power_w_ / std::max(1.0, row->watts), 0.0, 1.05);
    if (cmd == "summary") {
        const double ghs = ths * 1000;
        return ok(11, "Summary", "SUMMARY",
                  ordered_json::array({{{"Accepted", static_cast<int>(elapsed / 2)},
                                        {"Elapsed", static_cast<int>(elapsed)},
                                        {"GHS 15m", ghs}, {"GHS 1m", ghs}, {"GHS 5m", ghs},
                                        {"GHS 5s", ghs}, {"GHS av", ghs},
                                        {"Hardware Errors", 0}, {"Rejected", 0}}}));
    }
    if (cmd == "power") {
        return ok(311, "Power usage", "POWER",
                  ordered_json::array({{{"PSU", false}, {"Watts", std::lround(power_w_)}}}));
    }
    const double temp = std::round(25 + power_w_ / 130);
    if (cmd == "temps") {
        ordered_json boards = ordered_json::array();
        for (int i = 0; i < 3; ++i)
            boards.push_back({{"BottomLeft", temp}, {"BottomRight", temp - 13}, {"ID", i},
                              {"TEMP", i}, {"TopLeft", temp}, {"TopRight", temp - 13}});
        return ok(201, "3 Temp(s)", "TEMPS", boards);
    }
    if (cmd == "fans") {
        ordered_json fans = ordered_json::array();
        const int rpm = sleeping_ ? 0 : static_cast<int>(1500 + power_w_ / 3);
        for (int i = 0; i < 4; ++i)
            fans.push_back({{"FAN", "FAN" + std::to_string(i + 1)}, {"ID", i}, {"RPM", rpm},
                            {"Speed", sleeping_ ? 0 : 20}});
        return ok(202, "4 Fan(s)", "FANS", fans);
    }
    if (cmd == "profiles") {
        ordered_json list = ordered_json::array();
        for (const auto& r : kProfiles)
            list.push_back({{"CanRestore", true}, {"Frequency", r.mhz}, {"HasOverrides", false},
                            {"Hashrate", r.ths}, {"IsDynamic", true}, {"IsTuned", r.step == 0},
                            {"Profile Name", name_of(r)}, {"Step", std::to_string(r.step)},
                            {"Voltage", r.volts}, {"Watts", r.watts}});
        return ok(323, "List profiles", "PROFILES", list);
    }
    if (cmd == "atm") {
        return ok(339, "ATM configuration", "ATM",
                  ordered_json::array({{{"Enabled", atm_}, {"MaxProfile", "690MHz"},
                                        {"MinProfile", "190MHz"}}}));
    }
    if (cmd == "logon") {
        if (!session_.empty()) return err(402, "Another session is active");
        session_ = "emu" + std::to_string(++session_counter_) + "x" +
                   std::to_string(clock_->now().time_since_epoch().count() % 100000);
        session_used_ = now;
        return ok(315, "Session created", "SESSION", ordered_json::array({{{"SessionID", session_}}}));
    }
    if (cmd == "session") {
        return ok(316, "Session info", "SESSION",
                  ordered_json::array({{{"SessionID", session_}}}));
    }
    if (cmd == "logoff") {
        session_.clear();
        return ok(316, "Session closed", nullptr, nullptr);
    }
    if (cmd == "curtail") {
        if (args.empty() || (args[0] != "sleep" && args[0] != "wakeup"))
            return err(12, "Missing or invalid curtail mode");
        if (!ignore_writes_) sleeping_ = args[0] == "sleep";
        return ok(346, "Curtail " + args[0], nullptr, nullptr);
    }
    if (cmd == "atmset") {
        for (const auto& a : args) {
            if (a == "enabled=true") atm_ = true;
            else if (a == "enabled=false") atm_ = false;
        }
        return ok(340, "ATM configuration updated", nullptr, nullptr);
    }
    if (cmd == "profileset") {
        if (args.empty() || find_profile(args[0]) == nullptr)
            return err(329, "Profile not found");
        if (atm_) return err(341, "Cannot set profile while ATM is enabled");
        if (!ignore_writes_) profile_ = args[0];
        return ok(330, "Profile set", "PROFILE", ordered_json::array({{{"Profile", args[0]}}}));
    }
    return err(14, "Invalid command");
}

std::string LuxosEmulator::profile() const {
    std::lock_guard lock(mutex_);
    return profile_;
}
bool LuxosEmulator::sleeping() const {
    std::lock_guard lock(mutex_);
    return sleeping_;
}
bool LuxosEmulator::atm_enabled() const {
    std::lock_guard lock(mutex_);
    return atm_;
}
double LuxosEmulator::power_w() const {
    std::lock_guard lock(mutex_);
    const_cast<LuxosEmulator*>(this)->advance(clock_->now());
    return power_w_;
}
bool LuxosEmulator::session_active() const {
    std::lock_guard lock(mutex_);
    return !session_.empty();
}

void LuxosEmulator::set_latency_ms(int ms) { latency_ms_ = std::max(0, ms); }
void LuxosEmulator::set_failing(bool on) { failing_ = on; }
void LuxosEmulator::set_malformed(bool on) { malformed_ = on; }
void LuxosEmulator::set_ignore_writes(bool on) { ignore_writes_ = on; }

void LuxosEmulator::set_offline(bool on) {
    if (on == offline_) return;
    offline_ = on;
    if (on) {
        server_.stop();
    } else {
        server_.start(config_.bind, bound_port_,
                      [this](const std::string& req) { return handle(req); });
    }
}

void LuxosEmulator::expire_sessions() {
    std::lock_guard lock(mutex_);
    session_.clear();
}

void LuxosEmulator::hold_foreign_session() {
    std::lock_guard lock(mutex_);
    session_ = "foreign";
    session_used_ = clock_->now();
}

void LuxosEmulator::reboot() {
    std::lock_guard lock(mutex_);
    advance(clock_->now());
    power_w_ = 0;   // boards off; the ramp starts again from nothing
    session_.clear();
    booted_ = clock_->now();
}

std::size_t LuxosEmulator::command_count(const std::string& command) const {
    std::lock_guard lock(mutex_);
    auto it = counts_.find(command);
    return it == counts_.end() ? 0 : it->second;
}

}  // namespace hashsink::miners::luxos
