// The status as JSON: GET /api/status.
#pragma once

#include <nlohmann/json.hpp>

#include "daemon/journal/journal.hpp"
#include "daemon/loop/status.hpp"

namespace hashsink::web {

// with_caps = false leaves each miner's capabilities out (they change only when a miner is
// probed again, and are most of the bytes at 10 000 miners); every miner carries caps_id, a
// short hash of its caps, so a client fetches caps_json only when that changes.
nlohmann::json status_json(const loop::LoopStatus& status, TimePoint now, bool with_caps = true);
// The status without its miners: tick, decision, planned and measured power, sources (the part
// the full and the compact form share).
nlohmann::json site_status_json(const loop::LoopStatus& status, TimePoint now);
// The journal's health, the status's "journal": whether it writes, its last error, and the rows
// it wrote, dropped (queue full) and lost (writing failed: a full disk).
nlohmann::json journal_json(const journal::Stats& stats, TimePoint now);
// GET /api/caps: [{id, caps_id, caps}] for every miner, or for the one named by only_id.
nlohmann::json caps_json(const loop::LoopStatus& status, const std::string& only_id = {});
std::string caps_id(const MinerCaps& caps);
nlohmann::json target_json(const MinerTarget& target);
// JSON text for an answer or an MQTT message. A device's error may quote its bytes raw (an HTTP
// body, a payload) and those need not be UTF-8: each bad byte becomes U+FFFD, rather than the
// whole status failing to serialise.
std::string json_text(const nlohmann::json& j);
// A heat zone's state this tick (the status's decision.heat_zones, without its signal; MQTT).
nlohmann::json heat_zone_json(const HeatZoneView& zone);

}  // namespace hashsink::web
