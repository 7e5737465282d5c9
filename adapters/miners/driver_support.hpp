// Small helpers shared by the miner drivers: verification deadlines (secrets: secret_file.hpp).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "adapters/transport/http_client.hpp"
#include "daemon/core/miner.hpp"
#include "daemon/core/options.hpp"
#include "daemon/core/result.hpp"
#include "daemon/core/time.hpp"

namespace hashsink::miners {

// "<driver> <id>: <cause>", keeping the cause's code and retryability: the message shape every
// driver error has.
Status driver_error(std::string_view driver, const std::string& id, const Status& cause);

// What a driver reports after an I/O failure: offline, with what it still knows (identity and
// capabilities) and the cause, never the last measurements.
MinerState offline_state(std::string driver, std::string model, std::string firmware,
                         MinerCaps caps, const Status& cause);

// A failed login or unlock: 401 and 403 mean the credentials are refused, which retrying will
// not mend; any other failure (429, 5xx, I/O) keeps its retryability.
Status login_failure(const transport::HttpClient& client, Status cause);

// One REST exchange: GET, or PUT/POST with a JSON body; the reply parsed, an empty body as null,
// a body that is not JSON a protocol error naming the request. HTTP errors pass through (the
// caller reads client.last_status() to tell an expired login from the rest).
Result<nlohmann::json> exchange_json(transport::HttpClient& client, std::string_view method,
                                     const std::string& path, const std::string& body = {});

// The level a target asks for: its level (at most the highest), else the highest whose power is
// within target.power_w + tolerance_w (the lowest when none is), else the nominal level. caps
// has at least one level.
std::size_t level_for(const MinerTarget& target, const MinerCaps& caps, double tolerance_w);

// The pause between two read-backs of a write that has not shown yet.
inline constexpr Duration kReadBackInterval{250};

// Calls `check` until it returns ok, a non-not_applied error, or the deadline passes (then the
// last not_applied status is returned). At least one call; `interval` between calls.
Status poll_until(Duration deadline, Duration interval, const std::function<Status()>& check);

// Reads back until `matches` returns true, as poll_until does; a read that fails counts as not
// yet. Whether it matched before the deadline.
bool read_back_until(Duration deadline, Duration interval, const std::function<bool()>& matches);

}  // namespace hashsink::miners
