#include "emulators/miners/axeos/axeos_emulator.hpp"

#include <httplib.h>

#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "adapters/miners/axeos/axeos_codec.hpp"

namespace hashsink::miners::axeos {
namespace {

using SteadyClock = std::chrono::steady_clock;
using ordered_json = nlohmann::ordered_json;

const std::vector<double> kBm1370Freqs = {400, 425, 450, 475, 485, 490, 500, 525, 550, 575};
const std::vector<double> kBm1368Freqs = {400, 425, 450, 475, 485, 490, 500, 525, 550, 575};

// A JSON number that prints as an integer when it is one, like cJSON does.
ordered_json jnum(double v) {
    double r = std::round(v);
    if (std::fabs(v - r) < 1e-9 && std::fabs(r) < 1e15) return static_cast<std::int64_t>(r);
    return v;
}

double round_to(double v, double step) { return std::round(v / step) * step; }

}  // namespace

// Stock figures. Gamma: the /api/system/asic documentation sample (490 MHz / 1200 mV stock);
// 19 W there makes 525 MHz / 1150 mV draw the recorded 18.75 W. Supra and the six-chip hex
// board use BM1368 figures (1276 small cores, 490 MHz / 1166 mV, about 13 W per chip).
const std::vector<BoardProfile>& board_profiles() {
    static const std::vector<BoardProfile> all = {
        {.key = "gamma", .device_model = "Gamma", .asic_model = "BM1370",
         .board_version = "601", .swarm_color = "purple", .asic_count = 1,
         .small_core_count = 2040, .hash_domains = 4, .stock_frequency_mhz = 490,
         .stock_voltage_mv = 1200, .stock_power_w = 19.0, .frequency_options_mhz = kBm1370Freqs,
         .voltage_options_mv = {1100, 1150, 1200, 1250, 1300}, .max_power_w = 40,
         .nominal_voltage_v = 5, .thermal_c_per_w = 1.87},
        {.key = "supra", .device_model = "Supra", .asic_model = "BM1368",
         .board_version = "401", .swarm_color = "blue", .asic_count = 1,
         .small_core_count = 1276, .hash_domains = 4, .stock_frequency_mhz = 490,
         .stock_voltage_mv = 1166, .stock_power_w = 13.0, .frequency_options_mhz = kBm1368Freqs,
         .voltage_options_mv = {1100, 1150, 1166, 1200, 1250, 1300}, .max_power_w = 25,
         .nominal_voltage_v = 5, .thermal_c_per_w = 2.6},
        {.key = "hex", .device_model = "SupraHex", .asic_model = "BM1368",
         .board_version = "701", .swarm_color = "orange", .asic_count = 6,
         .small_core_count = 1276, .hash_domains = 4, .stock_frequency_mhz = 490,
         .stock_voltage_mv = 1166, .stock_power_w = 78.0, .frequency_options_mhz = kBm1368Freqs,
         .voltage_options_mv = {1100, 1150, 1166, 1200, 1250, 1300}, .max_power_w = 120,
         .nominal_voltage_v = 12, .thermal_c_per_w = 0.45},
    };
    return all;
}

const BoardProfile* find_board(std::string_view key) {
    for (const auto& b : board_profiles())
        if (b.key == key) return &b;
    return nullptr;
}

AxeosEmulator::AxeosEmulator(EmulatorConfig config, emu::SharedClock emu_clock)
    : HttpEmulator("axeos", config, std::move(emu_clock)), config_(std::move(config)) {
    if (const auto* b = find_board(config_.board)) {
        board_ = *b;
        board_ok_ = true;
    }
    auto now = clock().now();
    sim_.frequency_mhz = board_.stock_frequency_mhz;
    sim_.core_voltage_mv = board_.stock_voltage_mv;
    sim_.hostname = config_.hostname;
    sim_.last = now;
    sim_.booted = now;
    sim_.paused = config_.paused;
    // Start in steady state, as a device that has been mining for a while.
    sim_.power_w = target_power_w(sim_);
    sim_.hashrate_ghs = expected_hashrate_ghs(sim_);
    sim_.temp_c = config_.ambient_c + board_.thermal_c_per_w * sim_.power_w;
}

AxeosEmulator::~AxeosEmulator() { stop(); }

bool AxeosEmulator::version_at_least(int major, int minor) const {
    auto v = parse_version(config_.version);
    return !v || *v >= FirmwareVersion{major, minor, 0};   // unparsable: treat as current
}

double AxeosEmulator::target_power_w(const Sim& s) const {
    if (s.paused || s.overheat || board_.stock_frequency_mhz <= 0) {
        return idle_power_estimate_w(board_.max_power_w);
    }
    const double vr = s.core_voltage_mv / board_.stock_voltage_mv;
    return board_.stock_power_w * (s.frequency_mhz / board_.stock_frequency_mhz) * vr * vr;
}

double AxeosEmulator::expected_hashrate_ghs(const Sim& s) const {
    return s.frequency_mhz * board_.small_core_count * board_.asic_count / 1000.0;
}

void AxeosEmulator::advance(Sim& s, SteadyClock::time_point now) const {
    const double dt = std::chrono::duration<double>(now - s.last).count();
    if (dt <= 0) return;
    s.last = now;
    const double lag = config_.lag_s;
    const double a = lag <= 0 ? 1.0 : 1.0 - std::exp(-dt / lag);
    const double at = lag <= 0 ? 1.0 : 1.0 - std::exp(-dt / (4 * lag));
    const double p = target_power_w(s);
    const double h = (s.paused || s.overheat) ? 0.0 : expected_hashrate_ghs(s);
    s.power_w += (p - s.power_w) * a;
    s.hashrate_ghs += (h - s.hashrate_ghs) * a;
    s.temp_c += (config_.ambient_c + board_.thermal_c_per_w * p - s.temp_c) * at;
    s.shares_accepted += static_cast<std::uint64_t>(s.hashrate_ghs * dt / 4.3);
}

std::string AxeosEmulator::info_body() {
    std::lock_guard lock(mutex_);
    advance(sim_, clock().now());
    const Sim& s = sim_;
    const double vin_mv = board_.nominal_voltage_v * 1000 - 0.3 * s.power_w;
    const double temp = round_to(s.temp_c, 0.125);
    const double uptime =
        std::floor(std::chrono::duration<double>(clock().now() - s.booted).count());
    const bool hashing = !s.paused && !s.overheat;
    const double fan_pct = s.autofanspeed ? std::clamp(25 + (temp - 35) * 1.0, 0.0, 100.0)
                                          : static_cast<double>(s.manual_fan_speed);

    ordered_json j;
    j["power"] = s.power_w;
    j["voltage"] = vin_mv;
    j["current"] = s.power_w / (vin_mv / 1000.0) * 1000.0;
    j["temp"] = temp;
    j["temp2"] = -1;
    j["vrTemp"] = jnum(std::round(temp + 2));
    j["maxPower"] = jnum(board_.max_power_w);
    j["nominalVoltage"] = jnum(board_.nominal_voltage_v);
    j["hashRate"] = s.hashrate_ghs;
    if (version_at_least(2, 12)) {
        j["hashRate_1m"] = s.hashrate_ghs;
        j["hashRate_10m"] = s.hashrate_ghs;
        j["hashRate_1h"] = s.hashrate_ghs;
    }
    if (version_at_least(2, 8)) j["expectedHashrate"] = jnum(std::round(expected_hashrate_ghs(s)));
    if (version_at_least(2, 11)) j["errorPercentage"] = 0;
    j["bestDiff"] = 49224525;
    j["bestSessionDiff"] = 2038368;
    j["poolDifficulty"] = 1000;
    j["coreVoltage"] = jnum(s.core_voltage_mv);
    j["coreVoltageActual"] = jnum(std::round(hashing ? s.core_voltage_mv - 6 : 0));
    j["frequency"] = jnum(s.frequency_mhz);
    j["ssid"] = "emulated";
    j["macAddr"] = "02:00:00:00:00:01";
    j["hostname"] = s.hostname;
    j["ipv4"] = config_.bind;
    j["wifiStatus"] = "Connected!";
    j["wifiRSSI"] = -44;
    j["apEnabled"] = 0;
    j["sharesAccepted"] = s.shares_accepted;
    j["sharesRejected"] = 0;
    j["sharesRejectedReasons"] = ordered_json::array();
    j["uptimeSeconds"] = jnum(uptime);
    j["smallCoreCount"] = board_.small_core_count;
    j["ASICModel"] = board_.asic_model;
    j["stratumURL"] = "127.0.0.1";
    j["stratumPort"] = 3333;
    j["stratumUser"] = "emulated." + s.hostname;
    j["responseTime"] = 12.5;
    j["version"] = config_.version;
    j["axeOSVersion"] = config_.version;
    j["idfVersion"] = "v5.5.1";
    j["boardVersion"] = board_.board_version;
    j["resetReason"] = "Software reset via esp_restart";
    j["runningPartition"] = "factory";
    j["overheat_mode"] = s.overheat ? 1 : 0;
    if (!s.power_fault.empty()) j["power_fault"] = s.power_fault;
    j["overclockEnabled"] = s.overclock_enabled;
    j["autofanspeed"] = s.autofanspeed;
    j["fanspeed"] = fan_pct;
    j["manualFanSpeed"] = s.manual_fan_speed;
    j["minFanSpeed"] = s.min_fan_speed;
    j["temptarget"] = s.temptarget;
    j["fanrpm"] = jnum(std::round(std::max(0.0, 2000 + (temp - 35) * 76)));
    j["fan2rpm"] = 0;
    j["statsFrequency"] = s.stats_frequency;
    if (version_at_least(2, 14)) j["miningPaused"] = s.paused;
    ordered_json asics = ordered_json::array();
    for (int i = 0; i < board_.asic_count; ++i) {
        const double total = s.hashrate_ghs / board_.asic_count;
        ordered_json domains = ordered_json::array();
        for (int d = 0; d < board_.hash_domains; ++d) domains.push_back(total / board_.hash_domains);
        asics.push_back({{"total", total}, {"domains", domains}, {"errorCount", 0}});
    }
    j["hashrateMonitor"] = {{"asics", asics}};
    std::string body = j.dump(1, '\t');
    if (malformed()) body = body.substr(0, body.size() / 2);   // a reply cut short
    return body;
}

std::string AxeosEmulator::asic_body() const {
    ordered_json j;
    j["ASICModel"] = board_.asic_model;
    j["deviceModel"] = board_.device_model;
    j["swarmColor"] = board_.swarm_color;
    j["asicCount"] = board_.asic_count;
    j["defaultFrequency"] = jnum(board_.stock_frequency_mhz);
    ordered_json fo = ordered_json::array(), vo = ordered_json::array();
    for (double f : board_.frequency_options_mhz) fo.push_back(jnum(f));
    for (double v : board_.voltage_options_mv) vo.push_back(jnum(v));
    j["frequencyOptions"] = fo;
    j["defaultVoltage"] = jnum(board_.stock_voltage_mv);
    j["voltageOptions"] = vo;
    std::string body = j.dump(1, '\t');
    if (malformed()) body = "{\"ASICModel\": \"" + board_.asic_model + "\", \"frequencyOpt";
    return body;
}

Status AxeosEmulator::check_config() const {
    if (board_ok_) return Status::success();
    return Status::error(ErrorCode::invalid,
                         "axeos emulator: unknown board '" + config_.board + "' (gamma, supra, hex)",
                         false);
}

transport::HttpReply AxeosEmulator::patch_system(const std::string& request_body) {
    auto bad = [](const char* why) {
        return transport::HttpReply{.status = 400, .content_type = "text/plain", .body = why};
    };
    // Success: 200 with an empty body.
    const transport::HttpReply done{.status = 200, .content_type = "", .body = ""};
    auto body = nlohmann::json::parse(request_body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return bad("Invalid JSON");
    // Table-driven like nvs_config.c: every known key must have the right type and range,
    // unknown keys are ignored; nothing is written unless all pass.
    struct Rule {
        const char* key;
        double min, max;
    };
    static const Rule kNumeric[] = {
        {"frequency", 1, 65535}, {"coreVoltage", 1, 65535},  {"overclockEnabled", 0, 1},
        {"autofanspeed", 0, 1},  {"manualFanSpeed", 0, 100}, {"minFanSpeed", 0, 99},
        {"temptarget", 35, 66},  {"overheat_mode", 0, 0},    {"statsFrequency", 0, 65535},
    };
    for (const auto& r : kNumeric) {
        auto it = body.find(r.key);
        if (it == body.end()) continue;
        if (!it->is_number() && !it->is_boolean()) return bad("Wrong API input");
        double v = it->is_boolean() ? (it->get<bool>() ? 1 : 0) : it->get<double>();
        if (!std::isfinite(v) || v < r.min || v > r.max) return bad("Wrong API input");
    }
    if (body.contains("hostname")) {
        const auto& h = body["hostname"];
        if (!h.is_string() || h.get<std::string>().empty() || h.get<std::string>().size() > 32)
            return bad("Wrong API input");
    }
    if (ignore_writes()) return done;  // nothing changes
    std::lock_guard lock(mutex_);
    advance(sim_, clock().now());
    auto num = [&](const char* k) {
        const auto& v = body[k];
        return v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>();
    };
    if (body.contains("frequency")) sim_.frequency_mhz = num("frequency");
    if (body.contains("coreVoltage")) sim_.core_voltage_mv = std::floor(num("coreVoltage"));
    if (body.contains("overclockEnabled"))
        sim_.overclock_enabled = static_cast<int>(num("overclockEnabled"));
    if (body.contains("autofanspeed")) sim_.autofanspeed = static_cast<int>(num("autofanspeed"));
    if (body.contains("manualFanSpeed"))
        sim_.manual_fan_speed = static_cast<int>(num("manualFanSpeed"));
    if (body.contains("minFanSpeed")) sim_.min_fan_speed = static_cast<int>(num("minFanSpeed"));
    if (body.contains("temptarget")) sim_.temptarget = static_cast<int>(num("temptarget"));
    if (body.contains("overheat_mode")) sim_.overheat = false;
    if (body.contains("statsFrequency"))
        sim_.stats_frequency = static_cast<int>(num("statsFrequency"));
    if (body.contains("hostname")) sim_.hostname = body["hostname"].get<std::string>();
    return done;
}

transport::HttpReply AxeosEmulator::set_paused(bool paused) {
    if (!ignore_writes()) {
        std::lock_guard lock(mutex_);
        advance(sim_, clock().now());
        sim_.paused = paused;
    }
    return {.body = paused ? R"({"message":"Mining paused"})" : R"({"message":"Mining resumed"})"};
}

transport::HttpReply AxeosEmulator::answer(const transport::HttpRequestLine& request) {
    const std::string& m = request.method;
    const std::string& p = request.path;
    if (m == "GET" && p == "/api/system/info") return {.body = info_body()};
    if (m == "GET" && p == "/api/system/asic" && version_at_least(2, 7))
        return {.body = asic_body()};
    if (m == "PATCH" && p == "/api/system") return patch_system(request.body);
    if (m == "POST" && p == "/api/system/pause" && version_at_least(2, 14)) return set_paused(true);
    if (m == "POST" && p == "/api/system/resume" && version_at_least(2, 14))
        return set_paused(false);
    if (m == "POST" && p == "/api/system/restart") {
        reboot();
        return {.body = R"({"message":"System will restart shortly."})"};
    }
    return {.status = 404, .content_type = "text/plain", .body = "Not Found"};
}

void AxeosEmulator::routes(Routes& svr) {
    svr.server().set_default_headers({{"Access-Control-Allow-Origin", "*"}});
    auto serve = [this](const httplib::Request& req, httplib::Response& res) {
        auto reply = answer({.method = req.method, .path = req.path, .body = req.body});
        res.status = reply.status;
        if (!reply.content_type.empty()) res.set_content(reply.body, reply.content_type);
    };
    // Only the paths this firmware version has: httplib answers 404 for the others.
    svr.get("/api/system/info", serve);
    if (version_at_least(2, 7)) svr.get("/api/system/asic", serve);
    svr.patch("/api/system", serve);
    if (version_at_least(2, 14)) {
        svr.post("/api/system/pause", serve);
        svr.post("/api/system/resume", serve);
    }
    svr.post("/api/system/restart", serve);
}

double AxeosEmulator::power_w() const {
    std::lock_guard lock(mutex_);
    advance(sim_, clock().now());
    return sim_.power_w;
}
double AxeosEmulator::hashrate_ghs() const {
    std::lock_guard lock(mutex_);
    advance(sim_, clock().now());
    return sim_.hashrate_ghs;
}
double AxeosEmulator::chip_temp_c() const {
    std::lock_guard lock(mutex_);
    advance(sim_, clock().now());
    return sim_.temp_c;
}
double AxeosEmulator::frequency() const {
    std::lock_guard lock(mutex_);
    return sim_.frequency_mhz;
}
double AxeosEmulator::core_voltage() const {
    std::lock_guard lock(mutex_);
    return sim_.core_voltage_mv;
}
bool AxeosEmulator::paused() const {
    std::lock_guard lock(mutex_);
    return sim_.paused;
}

void AxeosEmulator::set_power_fault(const std::string& fault) {
    std::lock_guard lock(mutex_);
    sim_.power_fault = fault;
}

void AxeosEmulator::set_overheat(bool on) {
    std::lock_guard lock(mutex_);
    advance(sim_, clock().now());
    sim_.overheat = on;
}

void AxeosEmulator::on_reboot() {
    std::lock_guard lock(mutex_);
    advance(sim_, clock().now());
    sim_.paused = false;            // RAM only
    sim_.overheat = false;
    sim_.booted = clock().now();
    sim_.shares_accepted = 0;
}

}  // namespace hashsink::miners::axeos
