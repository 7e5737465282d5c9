#include "policies/economics/economics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "policies/common/policy_util.hpp"

namespace hashsink::policies {
namespace {

std::string money(double v) { return fmt("%.4f", v); }

// One miner's options, from its levels and measured efficiency.
struct Candidate {
    std::size_t index = 0;
    std::vector<PowerLevel> levels;
    std::vector<double> j_per_th;   // per level, corrected by the measured efficiency
    bool running = false;
    double heat_credit = 0;         // currency/kWh of heat its zone wants now
};

// Measured J/TH over what the caps promise at the current target: a worn or hot miner is less
// efficient than its table; clamped so one odd reading cannot dominate.
double efficiency_correction(const MinerView& m) {
    if (!m.state || !m.target.run || !m.state->power_w || !m.state->hashrate_ths) return 1;
    const double p = *m.state->power_w, h = *m.state->hashrate_ths;
    if (!(p > 0) || !(h > 0) || !std::isfinite(p) || !std::isfinite(h)) return 1;
    const PowerLevel* nearest = nullptr;
    for (const auto& l : m.caps.levels)
        if (!nearest || std::abs(l.power_w - m.target.power_w) < std::abs(nearest->power_w - m.target.power_w))
            nearest = &l;
    if (!nearest || !(nearest->hashrate_ths > 0)) return 1;
    const double table = nearest->power_w / nearest->hashrate_ths;
    return std::clamp((p / h) / table, 0.5, 2.0);
}

// What a running miner draws now: measured, else its target.
double drawing_w(const MinerView& m) {
    if (!m.target.run) return 0;
    if (m.state && m.state->power_w && std::isfinite(*m.state->power_w) && *m.state->power_w > 0)
        return *m.state->power_w;
    return std::max(0.0, m.target.power_w);
}

}  // namespace

double revenue_per_kwh(double hashprice_per_th_day, double j_per_th, double pool_fee_pct) {
    if (!(j_per_th > 0)) return 0;
    // hashprice/day per TH/s; a miner at J/TH uses j_per_th W per TH/s, i.e. j_per_th*24/1000
    // kWh a day for each TH/s.
    return hashprice_per_th_day * (1 - pool_fee_pct / 100) * 1000 / (24 * j_per_th);
}

HeatCredit heat_credit(const std::vector<HeatZone>& zones, const std::string& miner_id,
                       const SiteSnapshot& snap, std::optional<double> import_per_kwh,
                       bool wanted_before) {
    HeatCredit c;
    for (const auto& z : zones) {
        if (!z.has_miner(miner_id)) continue;   // a miner heats the first zone naming it
        c.zoned = true;
        c.wanted = z.wants_heat(snap, wanted_before);
        if (!c.wanted) return c;
        auto v = heat_value_per_kwh(z, import_per_kwh);
        c.per_kwh = v && std::isfinite(*v) && *v > 0 ? *v : 0;
        return c;
    }
    return c;
}

std::optional<double> value_now(const SiteSnapshot& s, std::string_view name) {
    if (auto v = s.fresh(name); v && std::isfinite(*v)) return v;
    auto it = s.schedules.find(name);
    if (it == s.schedules.end()) return std::nullopt;
    for (const auto& slot : it->second)
        if (slot.start <= s.now && s.now < slot.end && std::isfinite(slot.value)) return slot.value;
    return std::nullopt;
}

std::optional<double> schedule_max(const SiteSnapshot& s, std::string_view name, TimePoint from,
                                   TimePoint to) {
    auto it = s.schedules.find(name);
    if (it == s.schedules.end()) return std::nullopt;
    std::optional<double> best;
    for (const auto& slot : it->second)
        if (slot.start < to && slot.end > from && std::isfinite(slot.value))
            best = best ? std::max(*best, slot.value) : slot.value;
    return best;
}

namespace {

Settings<EconomicsSettings> price_keys(Settings<EconomicsSettings> s) {
    return std::move(s)
        .bind(&EconomicsSettings::hashprice_per_th_day,
              {.name = "hashprice_per_th_day",
               .doc = "Hashprice used when no source publishes price.hashprice_per_th_day "
                      "(reading or "
                      "schedule); 0 means a source must. Without any, the fleet goes to its "
                      "safe state.",
               .unit = "currency/TH/s/day",
               .fallback = 0.0,
               .min = 0.0,
               .max = 1e6})
        .bind(&EconomicsSettings::import_per_kwh,
              {.name = "import_per_kwh",
               .doc = "Import price used when no source publishes price.import_per_kwh; negative "
                      "means none, and then the fleet never plans to import.",
               .unit = "currency/kWh",
               .fallback = -1.0,
               .min = -1.0,
               .max = 1e3})
        .bind(&EconomicsSettings::feed_in_per_kwh,
              {.name = "feed_in_per_kwh",
               .doc = "Feed-in tariff used when no source publishes price.feed_in_per_kwh: what "
                      "exported power would earn, so what mining it gives up.",
               .unit = "currency/kWh",
               .fallback = 0.0,
               .min = -1e3,
               .max = 1e3})
        .bind(&EconomicsSettings::clipped_cost_per_kwh,
              {.name = "clipped_cost_per_kwh",
               .doc = "Cost of power the inverter would clip or curtail (it reports THROTTLED, an "
                      "active limit, or DC above its AC rating).",
               .unit = "currency/kWh",
               .fallback = 0.0,
               .min = -1e3,
               .max = 1e3})
        .bind(&EconomicsSettings::genset_cost_per_kwh,
              {.name = "genset_cost_per_kwh",
               .doc = "Cost of power from the site's generator (flare gas: near nothing).",
               .unit = "currency/kWh",
               .fallback = 0.0,
               .min = -1e3,
               .max = 1e3})
        .bind(&EconomicsSettings::pool_fee_pct, {.name = "pool_fee_pct",
                                                 .doc = "Pool fee taken off the revenue.",
                                                 .unit = "%",
                                                 .fallback = 0.0,
                                                 .min = 0.0,
                                                 .max = 100.0})
        .bind(&EconomicsSettings::start_margin_per_kwh,
              {.name = "start_margin_per_kwh",
               .doc = "A paused miner starts only when its hash is worth this much more than its "
                      "energy (a running one stops at break-even), so a price near break-even does "
                      "not switch it.",
               .unit = "currency/kWh",
               .fallback = 0.005,
               .min = 0.0,
               .max = 1e3});
}

Settings<EconomicsSettings> timing_keys(Settings<EconomicsSettings> s) {
    return std::move(s)
        .bind(&EconomicsSettings::lookahead,
              {.name = "lookahead",
               .doc = "A paused miner does not start when a scheduled price within this would "
                      "make it "
                      "unprofitable.",
               .unit = "s",
               .fallback = Duration{900'000},
               .min = 0.0,
               .max = 86400.0})
        .bind(&EconomicsSettings::stop_ahead,
              {.name = "stop_ahead",
               .doc = "A running miner stops this long before an unprofitable price slot begins "
                      "(about the governor's min_dwell, so it is off when the slot starts).",
               .unit = "s",
               .fallback = Duration{30'000},
               .min = 0.0,
               .max = 3600.0})
        .bind(&EconomicsSettings::start_delay,
              {.name = "start_delay",
               .doc = "A paused miner starts only once running it has been worth it this long.",
               .unit = "s",
               .fallback = Duration{30'000},
               .min = 0.0,
               .max = 3600.0})
        .bind(&EconomicsSettings::stop_delay,
              {.name = "stop_delay",
               .doc = "A running miner stops only once it has been unprofitable this long (it runs "
                      "at its lowest level meanwhile); scheduled spikes are met by stop_ahead.",
               .unit = "s",
               .fallback = Duration{60'000},
               .min = 0.0,
               .max = 3600.0});
}

}  // namespace

const Settings<EconomicsSettings>& EconomicsSettings::settings() {
    static const auto settings = timing_keys(price_keys(Settings<EconomicsSettings>{}));
    return settings;
}

const KeyTable& EconomicsSettings::keys() { return settings().keys(); }

EconomicsSettings EconomicsSettings::from(const Options& options) {
    return settings().from(options);
}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The energy stack: `cheap_w` watts at `cheap_cost` (generator, clipped PV or surplus that would
// be exported), then grid import at `import_cost` (infinite when unknown).
struct Energy {
    std::optional<double> import_price;
    double cheap_w = 0, cheap_cost = 0, import_cost = kInf;
    std::string cheap_what;
};

Energy energy_stack(const SiteSnapshot& snap, const EconomicsSettings& s) {
    Energy e;
    e.import_price = value_now(snap, signal::kPriceImportPerKwh);
    if (!e.import_price && s.import_per_kwh >= 0) e.import_price = s.import_per_kwh;
    std::optional<double> feed_in = value_now(snap, signal::kPriceFeedInPerKwh);
    if (!feed_in) feed_in = s.feed_in_per_kwh;
    auto grid_w = snap.fresh(signal::kGridPowerW);
    if (snap.fresh(signal::kGensetPowerW)) {
        e.cheap_w = kInf;  // the generator policy sets how much; every watt costs the same
        e.cheap_cost = s.genset_cost_per_kwh;
        e.cheap_what = "generator";
    } else if (grid_w && std::isfinite(*grid_w)) {
        e.cheap_w = std::max(0.0, snap.miners_draw_w() - *grid_w);
        auto dc = snap.fresh(signal::kPvDcPowerW);
        auto rating = snap.fresh(signal::kPvRatingW);
        const bool clipping = dc && rating && *rating > 0 && *dc > *rating;
        const bool clipped = inverter_throttled(snap) || clipping;
        e.cheap_cost = clipped ? s.clipped_cost_per_kwh : *feed_in;
        e.cheap_what = clipped ? "clipped PV" : "surplus";
    }
    if (e.import_price) e.import_cost = *e.import_price;
    return e;
}

// The fleet's candidates, most efficient first (at their lowest level), then by id. Each keeps
// whether its zone wanted heat on the tick before: a zone warmed to the top of its band is not
// credited again until it has cooled through it (no flapping at the top).
std::vector<Candidate> candidates(const SiteSnapshot& snap, const EconomicsSettings& s,
                                  std::optional<double> import_price, EconomicsState& st) {
    std::vector<Candidate> cands;
    for (std::size_t i = 0; i < snap.miners.size(); ++i) {
        const MinerView& m = snap.miners[i];
        if (!m.state_fresh) continue;
        Candidate c;
        c.index = i;
        c.levels = usable_levels(m);
        if (c.levels.empty()) continue;
        c.running = m.target.run;
        EconomicsMinerState& ms = st.miners[m.id];
        const HeatCredit credit =
            heat_credit(s.heat_zones, m.id, snap, import_price, !ms.heat_unwanted);
        ms.heat_unwanted = credit.zoned && !credit.wanted;
        c.heat_credit = credit.per_kwh;
        const double k = efficiency_correction(m);
        for (const auto& l : c.levels)
            c.j_per_th.push_back(l.hashrate_ths > 0 ? k * l.power_w / l.hashrate_ths : kInf);
        cands.push_back(std::move(c));
    }
    std::sort(cands.begin(), cands.end(), [&](const Candidate& a, const Candidate& b) {
        if (a.j_per_th.front() != b.j_per_th.front()) return a.j_per_th.front() < b.j_per_th.front();
        return snap.miners[a.index].id < snap.miners[b.index].id;
    });
    return cands;
}

// The highest level whose hash is worth the energy it would use: the blend of cheap and imported
// watts between used_w and used_w + p, plus the start margin when paused. A start must survive
// the coming slots (lookahead), a running miner the next stop_ahead; only grid energy has a
// schedule (the feed-in tariff for surplus, the import price beyond it). 0: no level.
struct Worth {
    double ceiling_w = 0;
    bool spike = false;  // worth starting now, but not before a coming price spike
};
Worth worth(const SiteSnapshot& snap, const Candidate& c, double used_w, double hashprice,
            const Energy& e, const EconomicsSettings& s) {
    Worth w;
    const Duration span = c.running ? s.stop_ahead : s.lookahead;
    auto ahead = [&](bool on_cheap) -> std::optional<double> {
        if (on_cheap && e.cheap_what != "surplus") return std::nullopt;
        auto name = on_cheap ? signal::kPriceFeedInPerKwh : signal::kPriceImportPerKwh;
        return schedule_max(snap, name, snap.now, snap.now + span);
    };
    for (std::size_t l = c.levels.size(); l-- > 0;) {
        const double p = c.levels[l].power_w;
        const double cheap_part = std::clamp(e.cheap_w - used_w, 0.0, p);
        const double import_part = p - cheap_part;
        const bool imports = import_part > 1e-9;
        if (imports && !std::isfinite(e.import_cost)) continue;
        double cheap_price = e.cheap_cost, import_later = e.import_cost;
        if (cheap_part > 1e-9)
            if (auto later = ahead(true)) cheap_price = std::max(cheap_price, *later);
        if (imports)
            if (auto later = ahead(false)) import_later = std::max(import_later, *later);
        double cost = (cheap_part * cheap_price + (imports ? import_part * import_later : 0)) / p;
        const double cost_now =
            (cheap_part * e.cheap_cost + (imports ? import_part * e.import_cost : 0)) / p;
        const double revenue =
            revenue_per_kwh(hashprice, c.j_per_th[l], s.pool_fee_pct) + c.heat_credit;
        if (!c.running) cost += s.start_margin_per_kwh;
        if (revenue >= cost) {
            w.ceiling_w = p;
            return w;
        }
        if (!c.running && revenue >= cost_now + s.start_margin_per_kwh) w.spike = true;
    }
    return w;
}

// What a miner earns now, at its measured draw: hash and heat apart (for the page and journal).
void record_value(const MinerView& m, const Candidate& c, double hashprice, double pool_fee_pct,
                  Decision& d) {
    const double kw = drawing_w(m) / 1000;
    if (!(kw > 0)) return;
    const double fee = 1 - pool_fee_pct / 100;
    const double ths = m.state && m.state->hashrate_ths && *m.state->hashrate_ths >= 0 &&
                               std::isfinite(*m.state->hashrate_ths)
                           ? *m.state->hashrate_ths
                           : kw * 1000 / c.j_per_th.front();
    d.report.miner_hash_value_per_h[m.id] = ths * hashprice * fee / 24;
    if (c.heat_credit > 0) d.report.miner_heat_value_per_h[m.id] = kw * c.heat_credit;
}

// Switching delays: a start or a stop must be warranted for a while, so noise in the surplus or
// the price does not flap a miner. A running miner waiting to stop runs at its lowest level.
double delayed(const Candidate& c, double ceiling_w, TimePoint now, const EconomicsSettings& s,
               EconomicsMinerState& ms) {
    const bool worth_lowest = ceiling_w > 0;
    if (c.running) {
        ms.start_since.reset();
        const double bad_s = held_for_s(ms.stop_since, !worth_lowest, now);
        if (!worth_lowest && bad_s < seconds(s.stop_delay)) return c.levels.front().power_w;
    } else {
        ms.stop_since.reset();
        const double good_s = held_for_s(ms.start_since, worth_lowest, now);
        if (worth_lowest && good_s < seconds(s.start_delay)) return 0;
    }
    return ceiling_w;
}

std::string reason(int chosen, std::size_t of, double hashprice, const Energy& e, int heated,
                   bool spike, Duration lookahead) {
    std::string r = std::to_string(chosen) + " of " + std::to_string(of) +
                    " miners worth their energy: hashprice " + money(hashprice) + "/TH/day";
    const double break_even_cost = e.cheap_w > 0 ? e.cheap_cost : e.import_cost;
    if (std::isfinite(e.cheap_w) && e.cheap_w > 0 && !e.cheap_what.empty())
        r +=
            ", " + fmt_w(e.cheap_w) + " of " + e.cheap_what + " at " + money(e.cheap_cost) + "/kWh";
    else if (!e.cheap_what.empty() && !std::isfinite(e.cheap_w))
        r += ", " + e.cheap_what + " power at " + money(break_even_cost) + "/kWh";
    r += e.import_price ? ", import at " + money(*e.import_price) + "/kWh" : ", no import price";
    if (spike) r += "; no start before a price spike within " + fmt_s(seconds(lookahead));
    if (heated > 0) r += ", heat credited to " + std::to_string(heated) + " miners";
    return r;
}

}  // namespace

Decision EconomicsPolicy::decide(const SiteSnapshot& snap, const PolicyMemory& memory) const {
    Decision d;
    d.policy = std::string(name());
    std::optional<double> hashprice = value_now(snap, signal::kHashpricePerThDay);
    if (!hashprice && settings_.hashprice_per_th_day > 0)
        hashprice = settings_.hashprice_per_th_day;
    if (!hashprice || !(*hashprice >= 0)) {
        d.fail_safe = true;
        d.reason = snap.find(signal::kHashpricePerThDay) ? "hashprice is stale" : "no hashprice";
        d.memory = memory;
        return d;
    }
    EconomicsState st = state_of<EconomicsState>(memory);
    const Energy e = energy_stack(snap, settings_);
    const std::vector<Candidate> cands = candidates(snap, settings_, e.import_price, st);
    double used_w = 0;
    int chosen = 0, heated = 0;
    bool spike = false;
    for (const auto& c : cands) {
        const MinerView& m = snap.miners[c.index];
        const Worth w = worth(snap, c, used_w, *hashprice, e, settings_);
        spike = spike || w.spike;
        if (c.heat_credit > 0) ++heated;
        record_value(m, c, *hashprice, settings_.pool_fee_pct, d);
        const double ceiling = delayed(c, w.ceiling_w, snap.now, settings_, st.miners[m.id]);
        d.miner_ceiling_w[m.id] = ceiling;
        if (ceiling > 0) {
            used_w += ceiling;
            ++chosen;
        }
    }
    // State of miners no longer in the fleet (or with nothing to keep) goes.
    std::erase_if(st.miners, [&](const auto& entry) {
        return !d.miner_ceiling_w.count(entry.first) || entry.second == EconomicsMinerState{};
    });
    d.budget_w = used_w;
    d.reason = reason(chosen, cands.size(), *hashprice, e, heated, spike, settings_.lookahead);
    d.memory = memory_of(std::move(st));
    return d;
}

}  // namespace hashsink::policies
