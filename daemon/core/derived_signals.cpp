#include "daemon/core/derived_signals.hpp"

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <optional>

namespace hashsink::derived {
namespace {

// Collects inputs: their values, and the oldest time and smallest age limit among them.
class Inputs {
public:
    explicit Inputs(const SiteSnapshot& snap) : snap_(snap) {}
    std::optional<double> get(std::string_view name) {
        const Reading* r = snap_.find(name);
        if (r == nullptr || !r->fresh_at(snap_.now) || !std::isfinite(r->value))
            return std::nullopt;
        at_ = used_ ? std::min(at_, r->at) : r->at;
        max_age_ = used_ ? std::min(max_age_, r->max_age) : r->max_age;
        used_ = true;
        return r->value;
    }
    Reading reading(double value) const {
        return Reading{value, at_, max_age_, std::string(kSource)};
    }

private:
    const SiteSnapshot& snap_;
    bool used_ = false;
    TimePoint at_{};
    Duration max_age_{0};
};

constexpr double kThrottledState = 5;  // SunSpec St THROTTLED

double tolerance_w(double reference_w) { return std::max(50.0, 0.02 * std::abs(reference_w)); }

}  // namespace

std::vector<std::pair<std::string, Reading>> derive_signals(const SiteSnapshot& snap) {
    std::vector<std::pair<std::string, Reading>> out;
    {
        Inputs in(snap);
        int evidence = 0;
        bool known = false;
        if (auto st = in.get(signal::kPvState)) {
            known = true;
            if (*st == kThrottledState) evidence |= 1;
        }
        auto active = in.get(signal::kPvLimitActive);
        auto limit = in.get(signal::kPvLimitW);
        auto ac = in.get(signal::kPvAcPowerW);
        if (active && limit && ac) {
            known = true;
            if (*active == 1 && *ac >= *limit - tolerance_w(*limit)) evidence |= 2;
        }
        auto grid = in.get(signal::kGridPowerW);
        auto export_limit = in.get(signal::kExportLimitW);
        if (grid && export_limit && ac) {
            known = true;
            // Export sitting at its cap while the PV system produces: more is there than may go
            // out.
            if (*ac > tolerance_w(0) && *grid <= -*export_limit + tolerance_w(*export_limit))
                evidence |= 4;
        }
        if (known) {
            out.emplace_back(kHiddenSurplus, in.reading(evidence != 0 ? 1 : 0));
            out.emplace_back(kHiddenSurplusEvidence, in.reading(evidence));
        }
    }
    {
        Inputs in(snap);
        auto dc = in.get(signal::kPvDcPowerW);
        auto limit = in.get(signal::kPvLimitW);
        auto rating = in.get(signal::kPvRatingW);
        if (dc && (limit || rating)) {
            double cap = limit && rating ? std::min(*limit, *rating) : limit ? *limit : *rating;
            out.emplace_back(kClippingW, in.reading(std::max(0.0, *dc - cap)));
        }
    }
    {
        Inputs in(snap);
        auto power = in.get(signal::kGensetPowerW);
        if (power) {
            if (auto rating = in.get(signal::kGensetRatingW); rating && *rating > 0) {
                out.emplace_back(kGensetHeadroomW, in.reading(*rating - *power));
            } else if (auto pct = in.get(signal::kGensetLoadPct); pct && *pct >= 1) {
                out.emplace_back(kGensetHeadroomW, in.reading(*power * (100.0 / *pct) - *power));
            }
        }
    }
    {
        Inputs in(snap);
        if (auto f = in.get(signal::kGensetFrequencyHz); f && *f > 0) {
            auto min = in.get(kGensetFrequencyMinHz);
            double floor = min && *min > 0 ? *min : 0.95 * (*f < 55 ? 50.0 : 60.0);
            out.emplace_back(kGensetFrequencyMarginHz, in.reading(*f - floor));
        }
    }
    return out;
}

void add_derived_signals(SiteSnapshot& snap) {
    for (auto& [name, reading] : derive_signals(snap)) snap.readings[name] = std::move(reading);
}

}  // namespace hashsink::derived
