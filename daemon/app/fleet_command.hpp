// A fleet's commands to its sites over MQTT (docs/fleet.md): one retained QoS 1 message on the
// fleet's command topic names each site's share of a demand-response curtailment ("curtail to
// X kW until T") or clears it; every site takes its share as its `fleet` site limit (governed,
// journalled) and acknowledges on <prefix>/fleet/ack. Pure: parsing, checking, splitting and
// the JSON both ends agree on.
//   {"id": "dr-1", "until": "2026-12-07T18:00:00Z", "limits_w": {"well-7": 1200, ...}}
//   {"id": "dr-2", "clear": true}
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"
#include "daemon/loop/site_limit.hpp"

namespace hashsink::app {

inline constexpr std::size_t kMaxFleetSites = 10'000;

struct FleetCommand {
    std::string id;                          // the acknowledgement names it
    std::map<std::string, double> limits_w;  // each site's limit by site id
    std::optional<TimePoint> until;          // when the limits end (nullopt: until cleared)
    bool clear = false;                      // every site's fleet limit ends now
};

// An error names the field and what is wrong with it.
Result<FleetCommand> parse_fleet_command(std::string_view payload);
std::string fleet_command_json(const FleetCommand& command);

// What this site does with a command: its limit, or a clear (limit_w nullopt). nullopt when the
// command does not name the site, or has expired at `now`.
std::optional<loop::SiteLimitRequest> request_for(const FleetCommand& command,
                                                  std::string_view site_id, TimePoint now);

struct FleetAck {
    std::string id;  // the command's
    std::string site;
    bool ok = false;
    std::string error;              // why not, when not ok
    std::optional<double> limit_w;  // the limit the site now applies from the fleet
    TimePoint at{};
};
std::string fleet_ack_json(const FleetAck& ack);
Result<FleetAck> parse_fleet_ack(std::string_view payload);

// A curtailment of total_w over the sites, in proportion to what each draws now (evenly when
// none draws), so the fleet as a whole drops to total_w.
std::map<std::string, double> split_curtailment(double total_w,
                                                const std::map<std::string, double>& draw_w);

// A site's id when its [publish] names none: its prefix's last level.
std::string site_id_from_prefix(std::string_view prefix);

// A site id: 1 to 64 of [A-Za-z0-9_.-]. The message when not.
std::optional<std::string> site_id_error(std::string_view id);

}  // namespace hashsink::app
