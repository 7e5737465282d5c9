// What a layer offers a composed policy beyond its decision: an operator layer's intent
// (manual override, schedule), a heat-floor layer's say on its floors.
#pragma once

#include <optional>
#include <string>

#include "daemon/core/policy.hpp"

namespace hashsink::policies {

struct Intent {
    enum class Mode { off, min, max, cap };
    Mode mode = Mode::off;
    double cap_w = 0;           // for cap: the fleet may draw at most this
    std::string reason;
};

// The decision an intent makes on its own: off pauses all, min runs every online miner at its
// lowest level, max runs every one as high as it goes, cap allows up to cap_w.
Decision intent_decision(const Intent& intent, const SiteSnapshot& snap, std::string policy);

// Operator layers: give an intent when one applies now, nullopt otherwise.
class IntentSource {
public:
    virtual ~IntentSource() = default;
    virtual std::optional<Intent> intent(const SiteSnapshot& snap) const = 0;
};

// Heat-floor layers: whether a valuation may lower `miner_id` below the floor the layer set.
class FloorSource {
public:
    virtual ~FloorSource() = default;
    virtual bool floor_may_yield(const std::string& miner_id) const = 0;
};

// An operator layer used alone: its intent's decision, or every miner paused (with `paused_why`
// as the reason) while none applies.
Decision intent_or_paused(const IntentSource& source, const SiteSnapshot& snap, std::string policy,
                          std::string paused_why);

}  // namespace hashsink::policies
