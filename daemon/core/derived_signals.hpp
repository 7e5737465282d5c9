// Signals computed from other signals each tick: evidence that the inverter holds power back
// (hidden surplus), an estimate of clipped DC power, and the generator's headroom and frequency
// margin. Pure: no I/O, no clock. A derived reading is never fresher than its inputs: its time
// is the oldest input's and its age limit the smallest; its source is "derived".
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/core/snapshot.hpp"

namespace hashsink::derived {

inline constexpr std::string_view kSource = "derived";
// 1 when any evidence says the PV system is holding power back, else 0.
inline constexpr std::string_view kHiddenSurplus = "pv.hidden_surplus";
// Which evidence: 1 state THROTTLED, 2 output at its active limit, 4 export pinned at the
// site's export limit.
inline constexpr std::string_view kHiddenSurplusEvidence = "pv.hidden_surplus_evidence";
// DC power above the AC cap (min of active limit and rating): what ratio clipping wastes. Only an
// estimate: a throttled inverter moves off its MPP, so its DC power drops too.
inline constexpr std::string_view kClippingW = "pv.clipping_w";
// Generator: rating (or load %) minus output, and frequency above its lowest safe value
// (genset.frequency_min_hz, else 95 % of the nominal 50 or 60 Hz).
inline constexpr std::string_view kGensetHeadroomW = "genset.headroom_w";
inline constexpr std::string_view kGensetFrequencyMarginHz = "genset.frequency_margin_hz";
inline constexpr std::string_view kGensetFrequencyMinHz = "genset.frequency_min_hz";

// Derived readings from the fresh readings in snap (inputs that are absent or stale are ignored).
std::vector<std::pair<std::string, Reading>> derive_signals(const SiteSnapshot& snap);
// Adds them to snap.readings.
void add_derived_signals(SiteSnapshot& snap);

}  // namespace hashsink::derived
