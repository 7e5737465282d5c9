// The controllers a simulation compares: hashsink's own decision code and two baselines.
#include <algorithm>
#include <cmath>

#include "daemon/loop/allocator.hpp"
#include "daemon/loop/decide.hpp"
#include "sim/simulator.hpp"
#include "policies/registry.hpp"

namespace hashsink::sim {
namespace {

class HashsinkController final : public Controller {
public:
    HashsinkController(const SimSettings& s, std::unique_ptr<Policy> policy)
        : settings_(s), policy_(std::move(policy)) {
        limits_ = s.loop.limits;
        limits_.period = s.loop.period;
    }
    std::string name() const override { return "hashsink"; }
    std::vector<MinerTarget> decide(const SiteSnapshot& snap) override {
        auto d = loop::decide_tick(
            *policy_, snap, memory_, limits_,
            {.priority = settings_.loop.priority, .start_margin_w = settings_.loop.start_margin_w,
             .start_margin_pct = settings_.loop.start_margin_pct},
            ramp_credit_w_);
        memory_ = d.decision.memory;
        ramp_credit_w_ = d.ramp_credit_w;
        std::vector<MinerTarget> out;
        out.reserve(d.governed.size());
        for (auto& g : d.governed) out.push_back(std::move(g.target));
        return out;
    }

private:
    const SimSettings& settings_;
    std::unique_ptr<Policy> policy_;
    loop::SiteLimits limits_;
    PolicyMemory memory_;
    double ramp_credit_w_ = 0;
};

// What a simple controller reads as spare power: the export on a grid site (+ means spare),
// the generator's headroom on an off-grid one.
double spare_w(const SiteSnapshot& snap) {
    if (auto g = snap.fresh(signal::kGridPowerW)) return -*g;
    auto rating = snap.fresh(signal::kGensetRatingW);
    auto power = snap.fresh(signal::kGensetPowerW);
    if (rating && power) return *rating - *power;
    return -1;   // nothing known: behave as if importing
}

// The highest allowed level at or below stock: what an on/off automation runs a miner at.
std::optional<MinerTarget> stock_target(const MinerView& m) {
    auto levels = loop::allowed_levels(m);
    if (levels.empty()) return std::nullopt;
    std::size_t pick = 0;
    for (std::size_t i = 0; i < levels.size(); ++i)
        if (levels[i].power_w <= m.caps.nominal_power_w() + 1e-9) pick = i;
    return loop::run_at(m, levels, pick);
}

class ThresholdController final : public Controller {
public:
    explicit ThresholdController(const SimSettings& s) : period_s_(std::chrono::duration<double>(s.loop.period).count()) {}
    std::string name() const override { return "threshold"; }
    std::vector<MinerTarget> decide(const SiteSnapshot& snap) override {
        const std::size_t n = snap.miners.size();
        const double spare = spare_w(snap);
        // The next miner to switch on, in config order.
        std::optional<MinerTarget> next;
        if (enabled_ < n) next = stock_target(snap.miners[enabled_]);
        if (enabled_ < n && !next) ++enabled_;   // cannot run at all: skip it
        if (next && spare >= next->power_w) {
            enable_s_ += period_s_;
        } else {
            enable_s_ = 0;
        }
        if (spare < 0) disable_s_ += period_s_;
        else disable_s_ = 0;
        if (enable_s_ >= kEnableDelayS && enabled_ < n) {
            ++enabled_;
            enable_s_ = 0;
            disable_s_ = 0;
        } else if (disable_s_ >= kDisableDelayS && enabled_ > 0) {
            --enabled_;
            disable_s_ = 0;
        }
        std::vector<MinerTarget> out(n, loop::paused_target());
        for (std::size_t i = 0; i < std::min(enabled_, n); ++i)
            if (auto t = stock_target(snap.miners[i])) out[i] = *t;
        return out;
    }

private:
    static constexpr double kEnableDelayS = 60;
    static constexpr double kDisableDelayS = 180;
    double period_s_;
    std::size_t enabled_ = 0;
    double enable_s_ = 0;
    double disable_s_ = 0;
};

class ExportFollower final : public Controller {
public:
    std::string name() const override { return "export_follower"; }
    std::vector<MinerTarget> decide(const SiteSnapshot& snap) override {
        double budget = snap.miners_draw_w() + spare_w(snap);
        return loop::allocate(budget, snap.miners).targets;
    }
};

// A room thermostat per zone with a relay for the zone's miners: on below the band, off above
// it, unchanged inside. It sees the zone's temperature signal as the policy does; with no
// reading (stale or absent) it keeps its last state.
class ThermostatController final : public Controller {
public:
    explicit ThermostatController(const SimSettings& s) : zones_(s.heat_zones), on_(s.heat_zones.size(), false) {}
    std::string name() const override { return "thermostat"; }
    std::vector<MinerTarget> decide(const SiteSnapshot& snap) override {
        std::vector<MinerTarget> out(snap.miners.size(), loop::paused_target());
        for (std::size_t z = 0; z < zones_.size(); ++z) {
            const policies::HeatZone& zone = zones_[z];
            if (auto t = snap.fresh(zone.temperature)) {
                const ComfortBand band = comfort_band(zone, snap.now);
                if (*t < band.low_c) on_[z] = true;
                else if (*t > band.target_c + zone.hysteresis_k) on_[z] = false;
            }
            if (!on_[z]) continue;
            for (std::size_t i = 0; i < snap.miners.size(); ++i) {
                const auto& ids = zone.miners;
                if (std::find(ids.begin(), ids.end(), snap.miners[i].id) == ids.end()) continue;
                if (auto target = stock_target(snap.miners[i])) out[i] = *target;
            }
        }
        return out;
    }

private:
    std::vector<policies::HeatZone> zones_;
    std::vector<bool> on_;
};

}  // namespace

std::unique_ptr<Controller> make_thermostat_controller(const SimSettings& s) {
    return std::make_unique<ThermostatController>(s);
}

std::unique_ptr<Policy> make_site_policy(const SimSettings& s) {
    // The daemon's own construction, so a layered policy gets each layer's table.
    auto tables = s.policy_tables;
    tables[s.policy] = s.policy_options;
    return policies::make_policy(s.policy, tables, s.time_zone);
}

std::unique_ptr<Controller> make_hashsink_controller(const SimSettings& s) {
    auto policy = make_site_policy(s);
    if (!policy) return nullptr;
    return std::make_unique<HashsinkController>(s, std::move(policy));
}

std::unique_ptr<Controller> make_threshold_controller(const SimSettings& s) {
    return std::make_unique<ThresholdController>(s);
}

std::unique_ptr<Controller> make_export_follower(const SimSettings&) {
    return std::make_unique<ExportFollower>();
}

}  // namespace hashsink::sim
