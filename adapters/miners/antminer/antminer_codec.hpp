// Pure stock-Antminer (Bitmain) decoding: CGI bodies to normalised telemetry, work modes, and
// the set_miner_conf payload. No I/O, so it is unit-tested against recorded responses.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "daemon/core/result.hpp"

namespace hashsink::miners::antminer {

// bitmain-work-mode / miner-mode values. 2 (high, HEM) exists on some models only.
enum class WorkMode { normal = 0, sleep = 1, high = 2, low = 3 };
const char* to_string(WorkMode m) noexcept;
std::optional<WorkMode> work_mode_from_int(int v);

// get_miner_conf.cgi: "bitmain-work-mode" (a string on every firmware seen, a number accepted),
// else "miner-mode". nullopt when neither is present or the value is unknown.
std::optional<WorkMode> decode_work_mode(const nlohmann::json& conf);

// The set_miner_conf.cgi body: the current pools and fan settings sent back (the CGI replaces
// the whole config), with the mode under both keys, since firmware differ in which one they
// honour ("miner-mode" as an integer, "bitmain-work-mode" as a string).
std::string set_conf_body(const nlohmann::json& current_conf, WorkMode mode);

// The set_miner_conf.cgi answer: ok for {"code":"M000"} (or stats "success"); rejected with
// the firmware's message for another code. A body that is not JSON is accepted (verification
// by reading back decides).
Status check_set_conf_reply(std::string_view body);

struct Telemetry {
    std::optional<double> hashrate_ths;        // 5 s rate
    std::optional<double> ideal_hashrate_ths;  // rate_ideal / total_rateideal
    std::optional<double> chip_temp_c;         // hottest chip sensor of any chain
    std::optional<double> board_temp_c;        // hottest PCB sensor
    std::optional<double> fan_rpm;             // mean of the running fans
    std::optional<double> frequency_mhz;       // average chain frequency
    std::optional<double> power_w;             // "watt" (few models report it)
    std::optional<WorkMode> mode;              // stats "miner-mode" when present
    std::string type;                          // "Antminer S19 Pro"
};

// summary.cgi / stats.cgi. Two shapes are accepted: the newer CGI JSON (SUMMARY[{rate_5s,
// rate_unit}], STATS[{chain[{temp_chip[]...}], fan[]}]) and the cgminer RPC shape older
// firmware and port 4028 return (SUMMARY[{"GHS 5s"}], STATS[{}, {fan1.., temp_chip1 "a-b-c-d"}]).
// Fields missing in both stay absent. Merges into `out`.
void decode_summary(const nlohmann::json& summary, Telemetry& out);
void decode_stats(const nlohmann::json& stats, Telemetry& out);

}  // namespace hashsink::miners::antminer
