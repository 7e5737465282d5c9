// Avalon (Canaan cgminer 4.11) decoding: the "MM ID0" bracketed summary string inside stats.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hashsink::miners::avalon {

// "Ver[Q-2505] STATE[2] SYSTEMSTATU[Work: In Idle, Hash Board: 1] Fan1[0]" -> {Ver: ...}.
// Bounded (at most 512 fields, 4 KiB per value); junk between fields is skipped.
std::map<std::string, std::string> parse_mm_fields(std::string_view text);

// The fields of the first "MM ID<n>" entry of a stats reply (key "MM ID0" or "MM ID0:Summary"),
// empty when there is none.
std::map<std::string, std::string> mm_fields(const nlohmann::json& stats);

struct MmState {
    std::optional<bool> idle;           // SYSTEMSTATU "In Idle" / "In Work"
    std::optional<int> work_mode;       // WORKMODE
    std::optional<double> hashrate_ths; // GHSspd (realtime)
    std::optional<double> chip_temp_c;  // TMax (0: not hashing, absent)
    std::optional<double> inlet_temp_c; // ITemp
    std::optional<double> fan_rpm;      // mean of running Fan1..Fan4
    std::optional<double> frequency_mhz;// Freq
    std::optional<double> power_w;      // WALLPOWER, else the 7th PS[...] value (see README)
    std::string system_status;          // SYSTEMSTATU verbatim
};
MmState decode_mm(const std::map<std::string, std::string>& fields);

}  // namespace hashsink::miners::avalon
