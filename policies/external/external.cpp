#include "policies/external/external.hpp"

#include <algorithm>
#include <cmath>

#include "policies/common/policy_util.hpp"

namespace hashsink::policies {
namespace {

std::string fmt_age(double s) { return fmt("%.1f s", s); }

// A watt figure that survives hostile values (NaN, 1e308) in a reason line.
std::string fmt_any_w(double w) { return fmt("%.6g W", w); }

bool known_miner(const SiteSnapshot& s, const std::string& id) {
    return std::any_of(s.miners.begin(), s.miners.end(),
                       [&](const MinerView& m) { return m.id == id; });
}

Decision fail(Decision d, std::string reason) {
    d.fail_safe = true;
    d.budget_w = 0;
    d.miner_ceiling_w.clear();
    d.reason = std::move(reason);
    return d;
}

}  // namespace

const Settings<ExternalSettings>& ExternalSettings::settings() {
    static const auto settings = Settings<ExternalSettings>{}.bind(
        &ExternalSettings::deadline,
        {.name = "deadline",
         .doc = "an answer counts while the snapshot it answers is at most this old; after "
                "that the fleet goes to its safe state",
         .unit = "s",
         .fallback = Duration{3000},
         .min = 0.2,
         .max = 600});
    return settings;
}

const KeyTable& ExternalSettings::keys() { return settings().keys(); }

ExternalSettings ExternalSettings::from(const Options& options) { return settings().from(options); }

Decision ExternalPolicy::decide(const SiteSnapshot& snap, const PolicyMemory&) const {
    Decision d;
    d.policy = std::string(name());
    if (!snap.external)
        return fail(d, "no external controller bridge runs (the simulator has none)");
    const ExternalLink& link = *snap.external;
    const std::string refused =
        link.refused.empty() ? "" : "; " + link.refused;
    const std::string deadline = format_duration(settings_.deadline);
    if (!link.reply)
        return fail(d, "no answer from the external controller yet (" +
                           (link.published_seq == 0
                                ? std::string("nothing published yet")
                                : "latest snapshot seq " + std::to_string(link.published_seq)) +
                           ")" + refused);

    // Freshness: the answer must be to a snapshot this daemon published, received after it,
    // and that snapshot must be no older than the deadline.
    const ExternalReply& r = *link.reply;
    const std::string seq = "seq " + std::to_string(r.seq);
    if (r.seq > link.published_seq || !r.answered_at)
        return fail(d, "external reply answers " + seq + ", which this daemon has " +
                           (r.seq > link.published_seq ? "not published" : "forgotten") +
                           " (latest " + std::to_string(link.published_seq) + ")" + refused);
    if (r.received_at < *r.answered_at)
        return fail(d, "external reply to " + seq + " arrived before that snapshot was taken");
    const double age_s = seconds_between(*r.answered_at, snap.now);
    if (snap.now - *r.answered_at > settings_.deadline)
        return fail(d, "external controller silent for " + fmt_age(age_s) + " (last answer to " +
                           seq + ", deadline " + deadline + ")" + refused);

    // Sanity: a reply that makes no sense is rejected whole; a reply that asks too much is cut.
    const std::string rejected = "external reply to " + seq + " rejected: ";
    if (!std::isfinite(r.budget_w))
        return fail(d, rejected + "budget_w is not a finite number");
    if (r.budget_w < 0)
        return fail(d, rejected + "budget_w is negative (" + fmt_any_w(r.budget_w) + ")");
    std::vector<std::string> unknown;
    for (const auto& [id, w] : r.miner_max_w) {
        if (!known_miner(snap, id)) {
            unknown.push_back(id);
            continue;
        }
        const std::string what = rejected + "miner " + id + ": max_w ";
        if (!std::isfinite(w)) return fail(d, what + "is not a finite number");
        if (w < 0) return fail(d, what + "is negative (" + fmt_any_w(w) + ")");
        d.miner_ceiling_w[id] = w;
    }

    std::string notes;
    d.budget_w = r.budget_w;
    const double fleet_w = fleet_max_w(snap);
    if (d.budget_w > fleet_w) {
        // More than the online fleet can draw means nothing; the governor still applies the
        // site's max_draw_w after this.
        notes += "; budget " + fmt_any_w(r.budget_w) + " cut to the fleet's " + fmt_w(fleet_w);
        d.budget_w = fleet_w;
    }
    if (!unknown.empty()) {
        notes += "; ignored unknown miner(s):";
        for (std::size_t i = 0; i < unknown.size() && i < 5; ++i) notes += " " + unknown[i];
        if (unknown.size() > 5) notes += " (+" + std::to_string(unknown.size() - 5) + ")";
    }
    d.shed = r.shed;
    d.reason = "external " + seq + " (" + fmt_age(age_s) + " old): budget " + fmt_w(d.budget_w);
    if (!d.miner_ceiling_w.empty())
        d.reason += ", " + std::to_string(d.miner_ceiling_w.size()) + " ceiling(s)";
    if (!r.reason.empty()) d.reason += ": " + r.reason;
    d.reason += notes;
    return d;
}

}  // namespace hashsink::policies
