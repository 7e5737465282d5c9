// Pure decoding of cgminer/bmminer replies (version, summary, stats) into normalised state.
// Tolerant of the type drift real firmware shows ("GHS 5s" as a string on bmminer).
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace hashsink::miners::cgminer {

struct Reading {
    std::string model;                       // VERSION Type / PROD, or stats Type
    std::string firmware;                    // "bmminer 1.0.0", CGVERSION, ...
    std::optional<double> hashrate_ths;      // 5 s rate
    std::optional<double> average_ths;       // since start
    std::optional<double> chip_temp_c;       // hottest
    std::optional<double> board_temp_c;
    std::optional<double> fan_rpm;           // mean of running fans
    std::optional<double> frequency_mhz;
    std::optional<double> power_w;
};

void decode_version(const nlohmann::json& version, Reading& out);
void decode_summary(const nlohmann::json& summary, Reading& out);
// bmminer/cgminer stats: numbered keys (fan1.., temp_chip1 "a-b-c-d" or numbers, temp2_1..),
// frequency, chain rates.
void decode_stats(const nlohmann::json& stats, Reading& out);

}  // namespace hashsink::miners::cgminer
