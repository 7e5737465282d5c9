// The status as Prometheus metrics: GET /metrics, text exposition format 0.0.4.
#pragma once

#include <string>
#include <string_view>

#include "daemon/journal/journal.hpp"
#include "daemon/loop/status.hpp"

namespace hashsink::web {

struct ClosedConnections;

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// Pure: the same status and now give the same text. One family per metric name (# HELP,
// # TYPE, then its samples); base units in the names (watts, celsius, seconds, hashes per
// second). A value the status does not have (an offline miner's power, hashrate, chip
// temperature) has no sample rather than NaN, so sums and alerts see it as absent.
std::string metrics_text(const loop::LoopStatus& status, TimePoint now);

// The journal's health: whether it writes, and its rows written, dropped and lost, as counters.
std::string journal_metrics_text(const journal::Stats& stats);

// The web server's connections: served now, and closed on its own by cause, as counters.
std::string connections_metrics_text(std::size_t open, const ClosedConnections& closed);

// A label value as the format wants it: backslash, double quote and newline escaped.
std::string escape_label_value(std::string_view value);

}  // namespace hashsink::web
