// The external controller's wire format: the snapshot hashsink publishes and the reply it takes
// back (see policies/external/README.md for the contract). Parsing checks shape and types
// only; whether the values make sense is the policy's call. Nothing here throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "daemon/core/result.hpp"
#include "daemon/core/snapshot.hpp"

namespace hashsink::external {

inline constexpr std::size_t kMaxReplyMiners = 256;
inline constexpr std::size_t kMaxMinerIdBytes = 128;
inline constexpr std::size_t kMaxReasonBytes = 200;

// {"seq": N, "budget_w": W, "miners": {"id": {"max_w": W}}, "shed": false, "reason": "..."}.
// Only seq and budget_w are required; unknown keys are ignored. answered_at and received_at
// are left for the bridge to fill.
Result<ExternalReply> parse_reply(std::string_view payload);

// The snapshot as the controller sees it: seq, time, deadline, fresh signals, miners.
std::string snapshot_json(const SiteSnapshot& snapshot, std::uint64_t seq, Duration deadline,
                          const std::string& reply_topic);

}  // namespace hashsink::external
