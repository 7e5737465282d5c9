// The compact status for large fleets: GET /api/status?view=compact&offset=N&limit=M.
#pragma once

#include <cstddef>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "daemon/core/result.hpp"
#include "daemon/loop/status.hpp"

namespace hashsink::web {

inline constexpr std::size_t kCompactDefaultLimit = 100;
inline constexpr std::size_t kCompactMaxLimit = 1000;
inline constexpr std::size_t kCompactErrorChars = 80;  // a row's error, cut to this

// What GET /api/status was asked for: the full form (with or without caps) or one page of the
// compact form, miners [offset, offset + limit).
struct StatusQuery {
    bool compact = false;
    bool with_caps = true;
    std::size_t offset = 0;
    std::size_t limit = kCompactDefaultLimit;
};

// The query's parameters (httplib's multimap); an error names the parameter and what is wrong
// with it. Parameters it does not know are left alone (a client's cache buster).
Result<StatusQuery> parse_status_query(const std::multimap<std::string, std::string>& params);

// The site part of the full form, `fleet` (totals over every miner, not only the page),
// `page` {offset, limit, total} and one short row per miner of the page. An offset past the
// end answers an empty page: the fleet may have shrunk since the client's last poll.
nlohmann::json compact_status_json(const loop::LoopStatus& status, TimePoint now,
                                   const StatusQuery& query);

}  // namespace hashsink::web
