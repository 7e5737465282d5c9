// Commands over MQTT ([publish] control = true): topics under the publish prefix, in the style of
// evcc's MQTT API, each parsed here (pure) into the command the page's override path or the
// loop's per-miner commands take (governed, journalled, shown as events). docs/home-assistant.md
// lists them:
//   <prefix>/override/set                     auto|min|max|off or {"mode": ..., "minutes": ...}
//   <prefix>/miner/<id>/enabled/set           ON|OFF (also true/false, 1/0)
//   <prefix>/miner/<id>/max_power_w/set       watts; 0: the config's cap
//   <prefix>/miner/<id>/override/set          auto|min|max|off or {"mode": ..., "minutes": ...}
//   <prefix>/miner/<id>/override_duration/set minutes a plain mode lasts (1..10080)
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/result.hpp"
#include "daemon/loop/miner_commands.hpp"
#include "daemon/loop/site_limit.hpp"
#include "web/site_control.hpp"

namespace hashsink::app {

inline constexpr int kDefaultOverrideMinutes = 60;

struct ControlCommand {
    // site_limit: a fleet's curtailment (daemon/app/fleet_command.hpp), not a topic here.
    enum class Kind { site_override, miner, override_duration, site_limit };
    Kind kind = Kind::miner;
    std::optional<web::OverrideRequest> site;  // site_override; nullopt: clear (auto)
    loop::MinerCommandChange miner;            // miner (its override's until is set)
    std::string miner_id;                      // override_duration
    int minutes = kDefaultOverrideMinutes;     // override_duration
    loop::SiteLimitRequest limit;              // site_limit
};

// The filters that catch every command topic (and none of the status topics).
std::vector<std::string> control_filters(std::string_view prefix);

// How long a plain mode lasts for a miner (its override_duration), in minutes.
using MinutesFor = std::function<int(std::string_view miner_id)>;

// topic and payload as received; a plain mode for the site lasts kDefaultOverrideMinutes. An
// error says what is wrong.
Result<ControlCommand> parse_command(std::string_view prefix, std::string_view topic,
                                     std::string_view payload, const MinutesFor& minutes_for,
                                     TimePoint now);

// One miner's command from its payload; what: enabled, max_power_w, override or
// override_duration (the last part of the topic before /set).
Result<ControlCommand> parse_miner_command(std::string_view id, std::string_view what,
                                           std::string_view payload, int default_minutes,
                                           TimePoint now);

}  // namespace hashsink::app
