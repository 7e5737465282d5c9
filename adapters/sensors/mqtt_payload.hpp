// Parsing what arrives over MQTT: a number (bare or inside JSON at a JSON pointer), and price
// schedules as a JSON array of {start, end, value} slots or Home Assistant's raw_today /
// raw_tomorrow shape. Every parse is an error value with a reason; nothing throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/result.hpp"
#include "daemon/core/snapshot.hpp"

namespace hashsink::sensors::mqtt {

// "2026-11-21T10:00:00+01:00", "...Z", fractions allowed; an offset is required. Times before
// 1970 or from 2200 on are refused.
std::optional<TimePoint> parse_iso8601(std::string_view text);

// A number: the payload itself ("42.5", JSON number, "true"/"false") when pointer is empty, else
// the JSON value at pointer (a number, a numeric string, or a boolean). NaN and infinities fail.
Result<double> parse_number(std::string_view payload, const std::string& pointer);

// Slots from a JSON array [{start, end, value|price}], or an object with raw_today and/or
// raw_tomorrow arrays (at the top or under "attributes"). Times are ISO 8601 with an offset or
// Unix seconds/milliseconds. Sorted by start; overlapping, empty or non-finite slots fail.
inline constexpr std::size_t kMaxSlots = 2000;
Result<std::vector<ScheduleSlot>> parse_slots(std::string_view payload);

// The slot covering t, if any (slots sorted by start).
const ScheduleSlot* slot_at(const std::vector<ScheduleSlot>& slots, TimePoint t);

}  // namespace hashsink::sensors::mqtt
