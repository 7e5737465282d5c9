#include "emulators/miners/avalon/avalon_emulator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace hashsink::miners::avalon {

using ordered_json = nlohmann::ordered_json;

AvalonEmulator::AvalonEmulator(EmulatorConfig config, emu::SharedClock emu_clock)
    : CgminerEmulator(config, std::move(emu_clock)),
      config_(config),
      idle_(config.idle),
      mode_(std::clamp(config.work_mode, 0, 2)),
      ramp_start_(clock().now() - std::chrono::hours(1)),
      booted_(clock().now() - std::chrono::hours(10)) {}

AvalonEmulator::~AvalonEmulator() { stop(); }

double AvalonEmulator::target_w() const { return idle_ ? config_.idle_power_w : config_.mode_power_w[mode_]; }
double AvalonEmulator::target_ths() const { return idle_ ? 0 : config_.mode_ths[mode_]; }

double AvalonEmulator::frac(Clock::time_point now) const {
    if (config_.ramp_s <= 0) return 1;
    return std::clamp(std::chrono::duration<double>(now - ramp_start_).count() / config_.ramp_s, 0.0, 1.0);
}

void AvalonEmulator::retarget(Clock::time_point now) {
    const double f = frac(now);
    from_w_ = from_w_ + (target_w() - from_w_) * f;
    from_ths_ = from_ths_ + (target_ths() - from_ths_) * f;
    ramp_start_ = now;
}

void AvalonEmulator::settle(Clock::time_point now) const {
    if (!pending_ || now < pending_->first) return;
    auto* self = const_cast<AvalonEmulator*>(this);
    self->retarget(pending_->first);
    idle_ = pending_->second;
    pending_.reset();
}

bool AvalonEmulator::idle() const {
    std::lock_guard lock(mutex_);
    settle(clock().now());
    return idle_;
}

int AvalonEmulator::work_mode() const {
    std::lock_guard lock(mutex_);
    return mode_;
}

double AvalonEmulator::power_w() const {
    std::lock_guard lock(mutex_);
    const auto now = clock().now();
    settle(now);
    return from_w_ + (target_w() - from_w_) * frac(now);
}

double AvalonEmulator::hashrate_ths() const {
    std::lock_guard lock(mutex_);
    const auto now = clock().now();
    settle(now);
    return from_ths_ + (target_ths() - from_ths_) * frac(now);
}

void AvalonEmulator::on_reboot() {
    std::lock_guard lock(mutex_);
    const auto now = clock().now();
    pending_.reset();
    idle_ = false;   // boots working; the work mode is saved
    from_w_ = config_.idle_power_w;
    from_ths_ = 0;
    ramp_start_ = now;
    booted_ = now;
}

std::string AvalonEmulator::mm_summary(Clock::time_point now) const {
    const double f = frac(now);
    const double ths = from_ths_ + (target_ths() - from_ths_) * f;
    const double w = from_w_ + (target_w() - from_w_) * f;
    const double load = w / config_.mode_power_w[2];
    const int fan = idle_ ? 0 : static_cast<int>(std::lround(1200 + 2000 * load));
    const int tmax = idle_ ? 0 : static_cast<int>(std::lround(45 + 30 * load));
    const long elapsed = static_cast<long>(std::chrono::duration<double>(now - booted_).count());
    char buf[1400];
    std::snprintf(
        buf, sizeof buf,
        "Ver[Q-25052801_14a19a2] LVer[25052801_14a19a2] BVer[25052801_14a19a2] "
        "HashMcu0Ver[Q_hb_v1.1] FanMcuVer[Q_fb_v1.2] CPU[K230] FW[Release] DNA[<DELETED>] STATE[2] "
        "MEMFREE[67892] NETFAIL[0 0 0 0 0 0 0 0] SSID[] RSSI[0] NetDevType[0] "
        "SYSTEMSTATU[Work: %s, Hash Board: 1] Elapsed[%ld] BOOTBY[0x01.00000000] LW[16987598] "
        "MH[0] DHW[0] HW[0] DH[2.449%%] ITemp[26] HBITemp[27] HBOTemp[%d] TMax[%d] TAvg[%d] "
        "TarT[65] Fan1[%d] Fan2[%d] Fan3[%d] Fan4[%d] FanR[%d%%] SoftOffTime[%ld] "
        "SoftOnTime[%ld] Filter[19143] FanErr[0] SoloAllowed[1] PS[0 1222 4 0 0 2245 %d] "
        "PCOMM_E[0] GHSspd[%.2f] DHspd[0.000%%] GHSmm[%.2f] GHSavg[%.2f] WU[621649.53] "
        "Freq[%.2f] MGHS[%.2f] TA[160] Core[A3197S] BIN[36] PING[17] SoftOFF[%d] ECHU[0] "
        "ECMM[0] PLL0[8843 5769 5098 4610] SF0[258 276 297 318] CRC[0] COMCRC[0] "
        "ATA0[800-65-2264-258-20] LcdOnoff[1] Activation[0] WORKMODE[%d] WORKLEVEL[0] MPO[%d] "
        "CALIALL[7] ADJ[1] Nonce Mask[25]",
        idle_ ? "In Idle" : "In Work", elapsed, idle_ ? 27 : 40, tmax, idle_ ? 0 : tmax - 6,
        fan, fan, fan, fan, idle_ ? 0 : static_cast<int>(30 + 50 * load), soft_off_time_,
        soft_on_time_, static_cast<int>(std::lround(w)), ths * 1000, config_.mode_ths[mode_] * 1000, ths * 1000,
        idle_ ? 0.0 : 250.0 + 30 * mode_, ths * 1000, idle_ ? 4 : 0, mode_,
        static_cast<int>(config_.mode_power_w[mode_]));
    return buf;
}

std::optional<std::string> AvalonEmulator::reply(const std::string& cmd, const std::string& param,
                                                 const nlohmann::json&) {
    std::lock_guard lock(mutex_);
    const auto now = clock().now();
    settle(now);
    if (cmd == "version") {
        auto j = status_reply("S", 22, "CGMiner versions");
        j["VERSION"] = ordered_json::array({{{"API", "3.7"}, {"BVERSION", "25052801_14a19a2"},
                                             {"CGMiner", "4.11.1"}, {"CGVERSION", "25052801_14a19a2"},
                                             {"DNA", "01234567890123456789012345678901"},
                                             {"FANMCUVERSION", "Q_fb_v1.2"}, {"HBMCUVERSION", "Q_hb_v1.1"},
                                             {"HWTYPE", "Q_MM1v1_X1"}, {"LVERSION", "25052801_14a19a2"},
                                             {"MAC", "AA:BB:CC:DD:EE:FF"}, {"MODEL", "Q"},
                                             {"PROD", "Avalon Q"}, {"SWTYPE", "MM319"}}});
        return j.dump();
    }
    if (cmd == "summary") {
        const double ths = from_ths_ + (target_ths() - from_ths_) * frac(now);
        auto j = status_reply("S", 11, "Summary");
        j["SUMMARY"] = ordered_json::array({{{"Elapsed", 37714}, {"MHS av", ths * 1e6},
                                             {"MHS 5s", ths * 1e6}, {"MHS 1m", ths * 1e6},
                                             {"MHS 5m", ths * 1e6}, {"MHS 15m", ths * 1e6},
                                             {"Accepted", 890}, {"Rejected", 2},
                                             {"Hardware Errors", 0}}});
        return j.dump();
    }
    if (cmd == "stats") {
        auto j = status_reply("S", 70, "CGMiner stats");
        j["STATS"] = ordered_json::array({{{"STATS", 0}, {"ID", "AVALON0"}, {"Elapsed", 37819},
                                           {"MM ID0:Summary", "'STATS':{" + mm_summary(now) + "}"}}});
        return j.dump();
    }
    if (cmd == "ascset") {
        // "0,softoff,1:<ts>", "0,softon,1:<ts>", "0,workmode,set,<n>"
        auto parts = std::vector<std::string>();
        std::size_t start = 0;
        while (start <= param.size() && parts.size() < 8) {
            auto comma = param.find(',', start);
            parts.push_back(param.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        const long t = static_cast<long>(std::time(nullptr));
        if (parts.size() >= 3 && parts[1] == "softoff") {
            if (!ignore_writes()) {
                pending_ = {{now + std::chrono::milliseconds(config_.switch_delay_ms), true}};
                soft_off_time_ = t;
            }
            return status_reply("I", 118, "ASC 0 set info: success softoff:" + std::to_string(t + 5)).dump();
        }
        if (parts.size() >= 3 && parts[1] == "softon") {
            if (!ignore_writes()) {
                pending_ = {{now + std::chrono::milliseconds(config_.switch_delay_ms), false}};
                soft_on_time_ = t;
            }
            return std::nullopt;   // closes the socket without replying, as the firmware does
        }
        if (parts.size() >= 4 && parts[1] == "workmode" && parts[2] == "set") {
            const std::string& m = parts[3];
            if (m.size() != 1 || m[0] < '0' || m[0] > '2')
                return status_reply("E", 120, "ASC 0 set failed: invalid workmode").dump();
            if (!ignore_writes() && m[0] - '0' != mode_) {
                retarget(now);
                mode_ = m[0] - '0';
            }
            return status_reply("S", 119, "ASC 0 set OK").dump();
        }
        return status_reply("E", 120, "ASC 0 set failed: unknown option").dump();
    }
    return status_reply("E", 14, "Invalid command").dump();
}

}  // namespace hashsink::miners::avalon
