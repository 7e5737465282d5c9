// Sparkplug B 3.0 for the site, pure: the edge node's and each miner's metrics from one loop
// status, the payloads (births, data, deaths) made of them, and what a host application sends
// (NCMD, DCMD, its STATE) read back into commands. No I/O, no clock: the MQTT session is
// daemon/app/sparkplug/edge_node.hpp. docs/industrial.md lists the metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "daemon/app/mqtt_control.hpp"
#include "daemon/loop/status.hpp"
#include "sparkplug/sparkplug_b.pb.h"

namespace hashsink::app::sparkplug {

namespace pb = org::eclipse::tahu::protobuf;

// The specification's datatype numbers (those used here).
enum class DataType : std::uint32_t { int64 = 4, dbl = 10, boolean = 11, string = 12 };

// monostate: null (a reading that is not fresh, a limit not set).
using Value = std::variant<std::monostate, bool, std::int64_t, double, std::string>;

struct Metric {
    std::string name;
    std::uint64_t alias = 0;
    DataType type = DataType::dbl;
    Value value;
};

inline constexpr const char* kRebirth = "Node Control/Rebirth";
inline constexpr const char* kSiteLimit = "Control/Site Limit W";
inline constexpr const char* kNamespace = "spBv1.0";
// The source a host's site limit is set as (ControlLoop::set_site_limit).
inline constexpr const char* kSiteLimitSource = "sparkplug";

// The node's metrics: bdSeq, the rebirth control, site power, fleet draw, budget, policy, state,
// alarms and the writable site limit. Aliases are fixed (1..).
std::vector<Metric> node_metrics(const loop::LoopStatus& status, std::uint64_t bd_seq,
                                 TimePoint now);
// One miner's metrics; aliases are unique on the node: 1000 * (index + 1) + k.
std::vector<Metric> device_metrics(const loop::MinerStatus& miner, std::size_t index);

// What differs in `now` from `before` (by alias; a metric new in `now` counts as changed).
std::vector<Metric> changed(const std::vector<Metric>& now, const std::vector<Metric>& before);

// Births carry names, aliases, types and values; data carries aliases, types and values, each
// metric stamped at_ms and flagged historical when it was stored while no host listened.
pb::Payload birth_payload(const std::vector<Metric>& metrics, std::uint64_t at_ms);
pb::Payload data_payload(const std::vector<Metric>& metrics, std::uint64_t at_ms, bool historical);
// NDEATH (the MQTT last will): the bdSeq of the connection it belongs to, and no seq.
pb::Payload death_payload(std::uint64_t bd_seq, std::uint64_t at_ms);

// spBv1.0/<group>/<type>/<edge node>[/<device>]
std::string topic(const std::string& group, std::string_view type, const std::string& edge_node,
                  const std::string& device = {});
struct Topic {
    std::string group, type, edge_node, device;
};
std::optional<Topic> parse_topic(std::string_view topic);

// A primary host application's STATE (Sparkplug 3.0: {"online": bool, "timestamp": ms}).
struct HostState {
    bool online = false;
    std::uint64_t timestamp_ms = 0;
};
Result<HostState> parse_host_state(std::string_view payload);

// What a host application asked for. site_limit: nullopt clears this node's limit.
struct Command {
    enum class Kind { rebirth, site_limit, miner };
    Kind kind = Kind::rebirth;
    std::optional<double> site_limit_w;
    ControlCommand miner;
};
struct Commands {
    std::vector<Command> commands;
    std::vector<std::string> refused;  // one line per refused metric
};
// NCMD: metrics by name or by the alias the node's birth gave them.
Commands node_commands(const pb::Payload& payload, const std::vector<Metric>& born);
// DCMD to one miner (index: its place in the fleet, for its aliases); an override given as a
// mode word lasts kDefaultOverrideMinutes.
Commands device_commands(const pb::Payload& payload, const std::string& miner_id, std::size_t index,
                         TimePoint now);

}  // namespace hashsink::app::sparkplug
