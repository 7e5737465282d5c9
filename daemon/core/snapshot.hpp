// The process image one tick decides on: every signal with its timestamp and age limit, and
// every miner's capabilities, last state and current target.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon/core/miner.hpp"
#include "daemon/core/time.hpp"

namespace hashsink {

// Well-known signal names. Units are in the names; grid power is + import, - export.
namespace signal {
inline constexpr std::string_view kPvAcPowerW = "pv.ac_power_w";
inline constexpr std::string_view kPvDcPowerW = "pv.dc_power_w";
inline constexpr std::string_view kPvRatingW = "pv.rating_w";
inline constexpr std::string_view kPvLimitW = "pv.limit_w";          // active output limit
inline constexpr std::string_view kPvLimitActive = "pv.limit_active";  // 1 when a limit is on
inline constexpr std::string_view kPvState = "pv.state";             // SunSpec St enum
inline constexpr std::string_view kGridPowerW = "grid.power_w";
inline constexpr std::string_view kExportLimitW = "grid.export_limit_w";   // site's export cap
// Battery: + discharging, - charging (as evcc).
inline constexpr std::string_view kBatteryPowerW = "battery.power_w";
inline constexpr std::string_view kBatterySocPct = "battery.soc_pct";
// Generator (flare gas): output, rating, load as % of rating, frequency, alarm (1 = active),
// running (1 = engine running).
inline constexpr std::string_view kGensetPowerW = "genset.power_w";
inline constexpr std::string_view kGensetRatingW = "genset.rating_w";
inline constexpr std::string_view kGensetLoadPct = "genset.load_pct";
inline constexpr std::string_view kGensetFrequencyHz = "genset.frequency_hz";
inline constexpr std::string_view kGensetAlarm = "genset.alarm";
inline constexpr std::string_view kGensetRunning = "genset.running";
// Prices, in the site's currency: energy per kWh, hashprice per TH/s per day.
inline constexpr std::string_view kPriceImportPerKwh = "price.import_per_kwh";
inline constexpr std::string_view kPriceFeedInPerKwh = "price.feed_in_per_kwh";
inline constexpr std::string_view kHashpricePerThDay = "price.hashprice_per_th_day";
// Per-MPPT DC power: "pv.mppt.<n>.dc_power_w", n from 1.
std::string mppt_dc_power_w(int n);
}  // namespace signal

// One slot of a schedule (prices, hashprice forecasts): [start, end) -> value.
struct ScheduleSlot {
    TimePoint start{};
    TimePoint end{};
    double value = 0;
};

// SunSpec operating states (model 10x/11x point St).
enum class InverterState {
    off = 1, sleeping = 2, starting = 3, mppt = 4, throttled = 5, shutting_down = 6,
    fault = 7, standby = 8
};
const char* to_string(InverterState s) noexcept;

struct Reading {
    double value = 0;
    TimePoint at{};
    Duration max_age{5000};
    std::string source;     // id of the source that produced it

    bool fresh_at(TimePoint now) const { return now - at <= max_age && now >= at - max_age; }
};

struct MinerView {
    std::string id;
    MinerCaps caps;
    std::optional<MinerState> state;        // last poll; nullopt before the first
    TimePoint state_at{};
    bool state_fresh = false;               // polled recently and online
    MinerTarget target;                     // what it was last told
    TimePoint target_since{};               // when that target was set
    double max_power_w = 0;                 // installer's per-miner limit (0 = none)
    double min_power_w = 0;
    // While its target is not confirmed, what it may still draw: unreachable, the most it was
    // last known to draw (its last measurement, or the level it last confirmed); reachable
    // with a write not carried out yet, what it measures now; never read since start, its
    // max_power_w (0 without one). 0 once confirmed. The site's max_draw_w counts it.
    double unconfirmed_draw_w = 0;
};

// An operator's override (web page, MQTT, CLI), set at run time on the loop and carried into
// every snapshot until it expires. The `manual` policy turns it into a decision.
struct ManualOverride {
    enum class Mode { off, min, max };
    Mode mode = Mode::off;
    TimePoint until{};          // expiry; the override no longer applies from this instant
    std::string by;             // who set it ("web", "mqtt", ...), for the journal
    std::string note;
};
const char* to_string(ManualOverride::Mode m) noexcept;

// An operator's command for one miner (MQTT control), set at run time on the loop and carried
// into every snapshot: held paused while not enabled, or off, min or max until `manual` expires.
// A runtime max_power_w is not here: the loop writes it into the miner's view.
struct MinerCommand {
    bool enabled = true;
    std::optional<ManualOverride> manual;  // set and not yet expired
};

// The latest answer of an external controller (the `external` policy) as its bridge received
// it: raw, for the policy validates every field (the controller is another process).
struct ExternalReply {
    std::uint64_t seq = 0;                  // the published snapshot it answers
    std::optional<TimePoint> answered_at;   // when that snapshot was taken (nullopt: unknown seq)
    TimePoint received_at{};
    double budget_w = 0;                    // may be NaN, negative, huge: the policy checks
    std::map<std::string, double> miner_max_w;   // per-miner ceilings by id, as sent
    bool shed = false;                      // the controller wants load off now
    std::string reason;                     // the controller's own words (sanitised, bounded)
};

// What the external bridge knows at this tick. Absent when no bridge runs.
struct ExternalLink {
    std::uint64_t published_seq = 0;        // the latest snapshot published before this tick
    std::optional<ExternalReply> reply;     // the latest well-formed reply; nullopt: none yet
    // Why the latest message was refused, or the bridge's setup error (empty: none).
    std::string refused;
};

struct SiteSnapshot {
    TimePoint now{};
    std::map<std::string, Reading, std::less<>> readings;
    // Forward-looking series by signal name (e.g. price.import_per_kwh), sorted by start.
    std::map<std::string, std::vector<ScheduleSlot>, std::less<>> schedules;
    std::vector<MinerView> miners;
    std::optional<ManualOverride> manual;   // set and not yet expired
    // Per-miner commands by miner id; only miners that have one.
    std::map<std::string, MinerCommand, std::less<>> miner_commands;
    std::optional<ExternalLink> external;   // set when an external controller's bridge runs

    const Reading* find(std::string_view name) const;
    // The value when present and fresh, otherwise nullopt.
    std::optional<double> fresh(std::string_view name) const;
    // Measured draw of the online miners (their target's power where no measurement).
    double miners_draw_w() const;
};

}  // namespace hashsink
