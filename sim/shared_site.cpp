#include "sim/shared_site.hpp"

#include <algorithm>

#include "daemon/loop/decide.hpp"
#include "sim/simulator.hpp"

namespace hashsink::sim {
namespace {

// A member's policy: it spends the share the coordinator gave it (the share is also its site
// limit, so the governor holds the plan to it).
class SharePolicy final : public Policy {
public:
    std::string_view name() const override { return "share"; }
    Precedence precedence() const override { return Precedence::physical_limit; }
    Decision decide(const SiteSnapshot&, const PolicyMemory&) const override {
        Decision d;
        d.policy = "share";
        d.budget_w = share_w;
        d.reason = "the coordinator's share";
        return d;
    }
    double share_w = 0;
};

struct Member {
    std::vector<std::size_t> miners;  // indices into the site's miners
    double fraction = 0;              // of the site's capacity
    double share_w = 0;               // the last share heard
    TimePoint heard{};
    SharePolicy policy;
    double ramp_credit_w = 0;
};

class SharedSiteController final : public Controller {
public:
    SharedSiteController(const SimSettings& s, std::unique_ptr<Policy> coordinator)
        : settings_(s), coordinator_(std::move(coordinator)) {}
    std::string name() const override {
        return "hashsink, " + std::to_string(settings_.shared.members) + " daemons sharing";
    }

    std::vector<MinerTarget> decide(const SiteSnapshot& snap) override {
        if (members_.empty()) start(snap);
        Decision site = coordinator_->decide(snap, memory_);
        memory_ = site.memory;
        const double budget_w = site.fail_safe ? 0 : std::max(0.0, site.budget_w);
        const bool link_up = !link_down(snap.now);
        std::vector<MinerTarget> out(snap.miners.size());
        for (Member& m : members_) {
            if (link_up) {
                m.share_w = budget_w * m.fraction;
                m.heard = snap.now;
            }
            const bool lapsed = snap.now - m.heard > settings_.shared.heartbeat;
            m.policy.share_w = lapsed ? settings_.shared.failsafe_w * m.fraction : m.share_w;
            SiteSnapshot own;
            own.now = snap.now;
            own.readings = snap.readings;
            for (std::size_t i : m.miners) own.miners.push_back(snap.miners[i]);
            loop::SiteLimits limits = settings_.loop.limits;
            limits.period = settings_.loop.period;
            limits.max_draw_w *= m.fraction;
            limits.ramp_up_w_per_s *= m.fraction;
            limits.ramp_down_w_per_s *= m.fraction;
            limits.command_limit_w = m.policy.share_w;
            auto d =
                loop::decide_tick(m.policy, own, {}, limits,
                                  {.priority = settings_.loop.priority,
                                   .start_margin_w = settings_.loop.start_margin_w * m.fraction,
                                   .start_margin_pct = settings_.loop.start_margin_pct},
                                  m.ramp_credit_w);
            m.ramp_credit_w = d.ramp_credit_w;
            for (std::size_t k = 0; k < m.miners.size(); ++k)
                out[m.miners[k]] = std::move(d.governed[k].target);
        }
        return out;
    }

private:
    // Miners dealt out in turn; each member's fraction is its miners' top draw.
    void start(const SiteSnapshot& snap) {
        start_ = snap.now;
        members_.resize(static_cast<std::size_t>(std::max(1, settings_.shared.members)));
        std::vector<double> top(members_.size(), 0);
        double total = 0;
        for (std::size_t i = 0; i < snap.miners.size(); ++i) {
            const auto& levels = snap.miners[i].caps.levels;
            const double w = levels.empty() ? 0 : levels.back().power_w;
            members_[i % members_.size()].miners.push_back(i);
            top[i % members_.size()] += w;
            total += w;
        }
        for (std::size_t k = 0; k < members_.size(); ++k) {
            members_[k].fraction = total > 0 ? top[k] / total : 1.0 / members_.size();
            members_[k].heard = snap.now;
        }
    }
    bool link_down(TimePoint now) const {
        const double t = std::chrono::duration<double>(now - start_).count();
        for (const auto& [from, to] : settings_.shared.link_down_s)
            if (t >= from && t < to) return true;
        return false;
    }

    const SimSettings& settings_;
    std::unique_ptr<Policy> coordinator_;
    PolicyMemory memory_;
    std::vector<Member> members_;
    TimePoint start_{};
};

}  // namespace

std::unique_ptr<Controller> make_shared_site_controller(const SimSettings& s) {
    auto policy = make_site_policy(s);
    if (!policy) return nullptr;
    return std::make_unique<SharedSiteController>(s, std::move(policy));
}

}  // namespace hashsink::sim
