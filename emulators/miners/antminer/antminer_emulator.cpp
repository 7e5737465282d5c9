#include "emulators/miners/antminer/antminer_emulator.hpp"

#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "adapters/miners/crypto.hpp"

namespace hashsink::miners::antminer {
namespace {

using SteadyClock = std::chrono::steady_clock;
using ordered_json = nlohmann::ordered_json;
constexpr const char* kRealm = "antMiner Configuration";

std::string md5_hex(const std::string& s) { return crypto::hex(crypto::md5(s)); }

// `Digest username="root", realm="...", nc=00000001, ...` -> map.
std::map<std::string, std::string> parse_digest(const std::string& header) {
    std::map<std::string, std::string> out;
    if (header.rfind("Digest ", 0) != 0) return out;
    std::size_t i = 7;
    while (i < header.size() && out.size() < 32) {
        while (i < header.size() && (header[i] == ' ' || header[i] == ',')) ++i;
        std::size_t eq = header.find('=', i);
        if (eq == std::string::npos) break;
        std::string key = header.substr(i, eq - i);
        i = eq + 1;
        std::string value;
        if (i < header.size() && header[i] == '"') {
            std::size_t end = header.find('"', i + 1);
            if (end == std::string::npos) break;
            value = header.substr(i + 1, end - i - 1);
            i = end + 1;
        } else {
            std::size_t end = header.find(',', i);
            value = header.substr(i, end == std::string::npos ? std::string::npos : end - i);
            i = end == std::string::npos ? header.size() : end;
        }
        out[key] = value;
    }
    return out;
}

std::string random_hex(std::size_t bytes) {
    static std::mt19937_64 rng{std::random_device{}()};
    static std::mutex m;
    std::lock_guard lock(m);
    std::string raw;
    for (std::size_t i = 0; i < bytes; ++i) raw += static_cast<char>(rng() & 0xff);
    return crypto::hex(raw);
}

ordered_json status_obj(const char* msg) {
    return {{"STATUS", "S"}, {"when", std::time(nullptr)}, {"Msg", msg}, {"api_version", "1.0.0"}};
}

// A summary.cgi or stats.cgi body: STATUS, INFO and `section` holding `item`.
std::string cgi_reply(const char* msg, const std::string& model, const char* section,
                      const ordered_json& item) {
    ordered_json j;
    j["STATUS"] = status_obj(msg);
    j["INFO"] = {{"miner_version", "49.0.1.3"},
                 {"CompileTime", "Tue Dec  6 16:12:30 CST 2022"},
                 {"type", model}};
    j[section] = ordered_json::array({item});
    return j.dump();
}

}  // namespace

AntminerEmulator::AntminerEmulator(EmulatorConfig config, emu::SharedClock emu_clock)
    : HttpEmulator("antminer", config, std::move(emu_clock)), config_(std::move(config)) {
    const auto now = clock().now();
    // Start in steady state, as a miner that has been hashing for a while.
    sim_.mode = WorkMode::normal;
    sim_.ramp_start = now - std::chrono::hours(1);
    sim_.booted = now - std::chrono::hours(1);
    nonce_ = random_hex(16);
}

AntminerEmulator::~AntminerEmulator() { stop(); }

double AntminerEmulator::target_power_w(WorkMode m) const {
    switch (m) {
        case WorkMode::sleep: return config_.sleep_power_w;
        case WorkMode::low: return config_.low_power_w;
        default: return config_.normal_power_w;
    }
}

double AntminerEmulator::target_ths(WorkMode m) const {
    switch (m) {
        case WorkMode::sleep: return 0;
        case WorkMode::low: return config_.low_ths;
        default: return config_.normal_ths;
    }
}

double AntminerEmulator::fraction(const Sim& s, SteadyClock::time_point now) const {
    if (now <= s.ramp_start) return 0;
    if (config_.ramp_s <= 0) return 1;
    // Going to sleep is quick (boards just stop); waking ramps.
    const double span = s.mode == WorkMode::sleep ? std::min(2.0, config_.ramp_s) : config_.ramp_s;
    return std::clamp(std::chrono::duration<double>(now - s.ramp_start).count() / span, 0.0, 1.0);
}

double AntminerEmulator::power_locked(SteadyClock::time_point now) const {
    if (now < sim_.ramp_start) return 0;   // still booting
    const double f = fraction(sim_, now);
    return sim_.from_w + (target_power_w(sim_.mode) - sim_.from_w) * f;
}

double AntminerEmulator::ths_locked(SteadyClock::time_point now) const {
    if (now < sim_.ramp_start) return 0;
    const double f = fraction(sim_, now);
    return sim_.from_ths + (target_ths(sim_.mode) - sim_.from_ths) * f;
}

void AntminerEmulator::set_mode_locked(WorkMode m, SteadyClock::time_point now) {
    if (m == sim_.mode) return;
    sim_.from_w = power_locked(now);
    sim_.from_ths = ths_locked(now);
    sim_.mode = m;
    sim_.ramp_start = now;
}

WorkMode AntminerEmulator::mode() const {
    std::lock_guard lock(mutex_);
    return sim_.mode;
}

double AntminerEmulator::power_w() const {
    std::lock_guard lock(mutex_);
    return power_locked(clock().now());
}

double AntminerEmulator::hashrate_ths() const {
    std::lock_guard lock(mutex_);
    return ths_locked(clock().now());
}

void AntminerEmulator::expire_sessions() {
    std::lock_guard lock(mutex_);
    nonce_ = random_hex(16);
}

std::size_t AntminerEmulator::auth_failures() const {
    std::lock_guard lock(mutex_);
    return auth_failures_;
}

void AntminerEmulator::on_reboot() {
    std::lock_guard lock(mutex_);
    // The mode is saved config and survives; hashing restarts from nothing after boot.
    const auto now = clock().now();
    sim_.from_w = config_.sleep_power_w;
    sim_.from_ths = 0;
    sim_.ramp_start = now;
    sim_.booted = now;
    nonce_ = random_hex(16);   // lighttpd restarted: old nonces are gone
}

std::string AntminerEmulator::challenge(bool stale) const {
    return std::string("Digest realm=\"") + kRealm + "\", nonce=\"" + nonce_ +
           "\", qop=\"auth\", algorithm=MD5" + (stale ? ", stale=true" : "");
}

bool AntminerEmulator::authorised(const std::string& method, const std::string& header,
                                  bool& stale) {
    stale = false;
    auto p = parse_digest(header);
    if (p.empty()) return false;
    std::lock_guard lock(mutex_);
    if (p["username"] != config_.user || p["realm"] != kRealm) {
        ++auth_failures_;
        return false;
    }
    const std::string ha1 = md5_hex(config_.user + ":" + kRealm + ":" + config_.password);
    const std::string ha2 = md5_hex(method + ":" + p["uri"]);
    std::string expected;
    if (p.count("qop")) {
        expected = md5_hex(ha1 + ":" + p["nonce"] + ":" + p["nc"] + ":" + p["cnonce"] + ":" +
                           p["qop"] + ":" + ha2);
    } else {
        expected = md5_hex(ha1 + ":" + p["nonce"] + ":" + ha2);
    }
    if (expected != p["response"]) {
        ++auth_failures_;
        return false;
    }
    if (p["nonce"] != nonce_) {
        stale = true;   // right password, expired nonce
        return false;
    }
    return true;
}

std::string AntminerEmulator::conf_body() const {
    ordered_json j;
    j["pools"] = ordered_json::array({
        {{"url", "stratum+tcp://pool.example:3333"}, {"user", "emulated.antminer"}, {"pass", "x"}},
        {{"url", ""}, {"user", ""}, {"pass", ""}},
        {{"url", ""}, {"user", ""}, {"pass", ""}},
    });
    j["api-listen"] = true;
    j["api-network"] = true;
    j["api-groups"] = "A:stats:pools:devs:summary:version";
    j["api-allow"] = "A:0/0,W:*";
    j["bitmain-fan-ctrl"] = false;
    j["bitmain-fan-pwm"] = "100";
    j["bitmain-use-vil"] = true;
    j["bitmain-freq"] = "675";
    j["bitmain-voltage"] = "1400";
    j["bitmain-ccdelay"] = "0";
    j["bitmain-pwth"] = "0";
    j["bitmain-work-mode"] = std::to_string(static_cast<int>(sim_.mode));
    j["bitmain-freq-level"] = "100";
    return j.dump(1, '\t');
}

std::string AntminerEmulator::summary_body() {
    std::lock_guard lock(mutex_);
    const auto now = clock().now();
    const double ths = ths_locked(now);
    ordered_json s;
    s["elapsed"] = static_cast<long>(std::chrono::duration<double>(now - sim_.booted).count());
    s["rate_5s"] = std::round(ths * 1e5) / 100;   // GH/s, 2 decimals
    s["rate_30m"] = std::round(ths * 1e5) / 100;
    s["rate_avg"] = std::round(ths * 1e5) / 100;
    s["rate_ideal"] = target_ths(WorkMode::normal) * 1000;
    s["rate_unit"] = "GH/s";
    s["hw_all"] = 12;
    s["bestshare"] = 12904207043LL;
    s["status"] = ordered_json::array({
        {{"type", "rate"}, {"status", "s"}, {"code", 0}, {"msg", ""}},
        {{"type", "network"}, {"status", "s"}, {"code", 0}, {"msg", ""}},
        {{"type", "fans"}, {"status", "s"}, {"code", 0}, {"msg", ""}},
        {{"type", "temp"}, {"status", "s"}, {"code", 0}, {"msg", ""}},
    });
    return cgi_reply("summary", config_.model, "SUMMARY", s);
}

std::string AntminerEmulator::stats_body() {
    std::lock_guard lock(mutex_);
    const auto now = clock().now();
    const double ths = ths_locked(now);
    const double p = power_locked(now);
    const double load = config_.normal_power_w > 0 ? p / config_.normal_power_w : 0;
    const bool hashing = ths > 0.01;
    ordered_json chains = ordered_json::array();
    for (int c = 0; c < 3; ++c) {
        const double chip = std::round(35 + 40 * load + c);
        const double pcb = std::round(30 + 32 * load + c);
        ordered_json ch;
        ch["index"] = c;
        ch["freq_avg"] = hashing ? (sim_.mode == WorkMode::low ? 475 : 525) : 0;
        ch["rate_ideal"] = target_ths(WorkMode::normal) * 1000 / 3;
        ch["rate_real"] = std::round(ths * 1e5 / 3) / 100;
        ch["asic_num"] = 114;
        ch["temp_pic"] = {pcb - 10, pcb - 12, pcb - 9, pcb - 9};
        ch["temp_pcb"] = {pcb, pcb - 2, pcb + 1, pcb + 1};
        ch["temp_chip"] = {chip, chip - 3, chip + 2, chip + 1};
        ch["hw"] = 4;
        ch["eeprom_loaded"] = true;
        ch["sn"] = "EMULATED" + std::to_string(c);
        chains.push_back(ch);
    }
    const int fan = hashing ? static_cast<int>(std::round(3000 + 3000 * load)) : 0;
    ordered_json s;
    s["elapsed"] = static_cast<long>(std::chrono::duration<double>(now - sim_.booted).count());
    s["rate_5s"] = std::round(ths * 1e5) / 100;
    s["rate_30m"] = std::round(ths * 1e5) / 100;
    s["rate_avg"] = std::round(ths * 1e5) / 100;
    s["rate_ideal"] = target_ths(WorkMode::normal) * 1000;
    s["rate_unit"] = "GH/s";
    s["chain_num"] = 3;
    s["fan_num"] = 4;
    s["fan"] = {fan, fan - 120, fan - 240, fan - 240};
    s["hwp_total"] = 0.0;
    s["miner-mode"] = static_cast<int>(sim_.mode);
    s["freq-level"] = 100;
    s["chain"] = chains;
    return cgi_reply("stats", config_.model, "STATS", s);
}

void AntminerEmulator::routes(Routes& svr) {
    // Every CGI sits behind Digest auth, as lighttpd is configured on the real miner.
    auto guarded = [this](auto handler) {
        return [this, handler](const httplib::Request& req, httplib::Response& res) {
            bool stale = false;
            if (!authorised(req.method, req.get_header_value("Authorization"), stale)) {
                uncount(req.method, req.path);
                res.status = 401;
                res.set_header("WWW-Authenticate", challenge(stale));
                res.set_content("<html><body>401 Unauthorized</body></html>", "text/html");
                return;
            }
            handler(req, res);
        };
    };
    svr.get("/", guarded([](const httplib::Request&, httplib::Response& res) {
        res.set_content("<html><head><title>Antminer</title></head></html>", "text/html");
    }));
    svr.get("/cgi-bin/get_system_info.cgi",
            guarded([this](const httplib::Request&, httplib::Response& res) {
                ordered_json j;
                j["minertype"] = config_.model;
                j["nettype"] = "DHCP";
                j["netdevice"] = "eth0";
                j["macaddr"] = "02:00:00:00:00:42";
                j["hostname"] = "Antminer";
                j["ipaddress"] = "127.0.0.1";
                j["netmask"] = "255.255.255.0";
                j["gateway"] = "";
                j["dnsservers"] = "";
                j["system_mode"] = "GNU/Linux";
                j["system_kernel_version"] = "Linux 4.9.113 #1 SMP PREEMPT";
                j["system_filesystem_version"] = config_.firmware;
                j["firmware_type"] = "Release";
                j["serinum"] = "EMULATED0000001";
                send_json(res, j.dump(1, '\t'));
            }));
    svr.get("/cgi-bin/get_miner_conf.cgi",
            guarded([this](const httplib::Request&, httplib::Response& res) {
                std::string body;
                {
                    std::lock_guard lock(mutex_);
                    body = conf_body();
                }
                send_json(res, body);
            }));
    svr.get("/cgi-bin/summary.cgi",
            guarded([this](const httplib::Request&, httplib::Response& res) {
                send_json(res, summary_body());
            }));
    svr.get("/cgi-bin/stats.cgi", guarded([this](const httplib::Request&, httplib::Response& res) {
                send_json(res, stats_body());
            }));
    svr.post("/cgi-bin/set_miner_conf.cgi",
             guarded([this](const httplib::Request& req, httplib::Response& res) {
                 // The real CGI restarts the mining process before answering (about 21 s). Real
                 // time, not the emulator's clock: the client's write timeout measures it.
                 const auto until =
                     SteadyClock::now() + std::chrono::milliseconds(config_.write_delay_ms);
                 while (SteadyClock::now() < until)
                     std::this_thread::sleep_for(std::chrono::milliseconds(5));
                 auto body = nlohmann::json::parse(req.body, nullptr, false);
                 if (body.is_discarded() || !body.is_object()) {
                     res.set_content(R"({"stats":"error","code":"M001","msg":"Invalid JSON"})",
                                     "application/json");
                     return;
                 }
                 std::optional<int> mode;
                 auto read_key = [&](const char* key) -> std::optional<int> {
                     auto it = body.find(key);
                     if (it == body.end()) return std::nullopt;
                     if (it->is_number_integer()) return it->get<int>();
                     if (it->is_string()) {
                         const auto& s = it->get_ref<const std::string&>();
                         if (s.size() == 1 && s[0] >= '0' && s[0] <= '3') return s[0] - '0';
                     }
                     return std::nullopt;
                 };
                 if (config_.honours != "bitmain-work-mode") mode = read_key("miner-mode");
                 if (!mode && config_.honours != "miner-mode") mode = read_key("bitmain-work-mode");
                 const bool known = mode && *mode >= 0 && *mode <= 3 &&
                                    !(*mode == 3 && config_.low_power_w <= 0) && *mode != 2;
                 if (known && !ignore_writes()) {
                     std::lock_guard lock(mutex_);
                     set_mode_locked(static_cast<WorkMode>(*mode), clock().now());
                 }
                 // Like the firmware: M000 whatever happened.
                 res.set_content(R"({"stats":"success","code":"M000","msg":"OK!"})",
                                 "application/json");
             }));
}

}  // namespace hashsink::miners::antminer
