// Genset follow (flare gas, stranded power): keep an islanded generator inside a load band with
// miners as the adjustable load. See README.md beside this file.
#pragma once

#include <optional>
#include <tuple>

#include "daemon/core/policy.hpp"
#include "daemon/core/settings.hpp"
#include "policies/common/policy_with.hpp"

namespace hashsink::policies {

struct GensetFollowSettings {
    double rating_w = 0;                 // generator rating; 0 = from the genset.rating_w signal
    double band_low_pct = 0;             // add load below this share of the rating
    double band_high_pct = 0;            // take load off above it
    double trip_pct = 0;                 // above this: shed in the same tick
    double nominal_frequency_hz = 0;
    double max_frequency_dip_hz = 0;     // shed when frequency < nominal - this
    double step_w = 0;                   // load added per step; 0 = 5 % of the rating
    double start_margin_w = 0;           // as governor.start_margin_w: a start needs this spare
    Duration settle{};                   // between two added steps
    Duration restart_delay{};            // after the generator (re)starts, before any load
    Duration shed_hold{};                // after a shed, before load is added again

    static const Settings<GensetFollowSettings>& settings();  // defaults and ranges
    static const KeyTable& keys();
    static GensetFollowSettings from(const Options& options);
};

// What the policy carries between ticks (journalled, see policies/common/state.hpp).
struct GensetFollowState {
    bool stopped = false;                    // the generator is down
    std::optional<TimePoint> running_since;  // the generator was seen starting
    std::optional<TimePoint> last_add;       // the last step added
    std::optional<TimePoint> last_shed;

    static constexpr int kVersion = 1;
    static constexpr auto fields() {
        using S = GensetFollowState;
        return std::tuple{field("stopped", &S::stopped), field("running_since", &S::running_since),
                          field("last_add", &S::last_add), field("last_shed", &S::last_shed)};
    }
    bool operator==(const GensetFollowState&) const = default;
};

class GensetFollowPolicy final
    : public PolicyWith<Precedence::physical_limit, GensetFollowSettings, GensetFollowState> {
public:
    explicit GensetFollowPolicy(GensetFollowSettings settings) : PolicyWith(std::move(settings)) {}
    std::string_view name() const override { return "genset_follow"; }
    Decision decide(const SiteSnapshot& snapshot, const PolicyMemory& memory) const override;
};

}  // namespace hashsink::policies
