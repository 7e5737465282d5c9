#include "policies/economics/economics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "policies/common/policy_util.hpp"

namespace hashsink::policies {
namespace {

std::string money(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4f", v);
    return buf;
}

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

const KeyTable& EconomicsSettings::keys() {
    static const KeyTable table = {
        {.name = "hashprice_per_th_day", .type = KeyType::number,
         .doc = "Hashprice used when no source publishes price.hashprice_per_th_day (reading or "
                "schedule); 0 means a source must. Without any, the fleet goes to its safe state.",
         .unit = "currency/TH/s/day", .fallback = 0.0, .min = 0.0, .max = 1e6},
        {.name = "import_per_kwh", .type = KeyType::number,
         .doc = "Import price used when no source publishes price.import_per_kwh; negative "
                "means none, and then the fleet never plans to import.",
         .unit = "currency/kWh", .fallback = -1.0, .min = -1.0, .max = 1e3},
        {.name = "feed_in_per_kwh", .type = KeyType::number,
         .doc = "Feed-in tariff used when no source publishes price.feed_in_per_kwh: what "
                "exported power would earn, so what mining it gives up.",
         .unit = "currency/kWh", .fallback = 0.0, .min = -1e3, .max = 1e3},
        {.name = "clipped_cost_per_kwh", .type = KeyType::number,
         .doc = "Cost of power the inverter would clip or curtail (it reports THROTTLED, an "
                "active limit, or DC above its AC rating).",
         .unit = "currency/kWh", .fallback = 0.0, .min = -1e3, .max = 1e3},
        {.name = "genset_cost_per_kwh", .type = KeyType::number,
         .doc = "Cost of power from the site's generator (flare gas: near nothing).",
         .unit = "currency/kWh", .fallback = 0.0, .min = -1e3, .max = 1e3},
        {.name = "pool_fee_pct", .type = KeyType::number,
         .doc = "Pool fee taken off the revenue.", .unit = "%", .fallback = 0.0, .min = 0.0,
         .max = 100.0},
        {.name = "start_margin_per_kwh", .type = KeyType::number,
         .doc = "A paused miner starts only when its hash is worth this much more than its "
                "energy (a running one stops at break-even), so a price near break-even does "
                "not switch it.",
         .unit = "currency/kWh", .fallback = 0.005, .min = 0.0, .max = 1e3},
        {.name = "lookahead", .type = KeyType::duration,
         .doc = "A paused miner does not start when a scheduled price within this would make it "
                "unprofitable.",
         .unit = "s", .fallback = Duration{900'000}, .min = 0.0, .max = 86400.0},
        {.name = "stop_ahead", .type = KeyType::duration,
         .doc = "A running miner stops this long before an unprofitable price slot begins "
                "(about the governor's min_dwell, so it is off when the slot starts).",
         .unit = "s", .fallback = Duration{30'000}, .min = 0.0, .max = 3600.0},
        {.name = "start_delay", .type = KeyType::duration,
         .doc = "A paused miner starts only once running it has been worth it this long.",
         .unit = "s", .fallback = Duration{30'000}, .min = 0.0, .max = 3600.0},
        {.name = "stop_delay", .type = KeyType::duration,
         .doc = "A running miner stops only once it has been unprofitable this long (it runs "
                "at its lowest level meanwhile); scheduled spikes are met by stop_ahead.",
         .unit = "s", .fallback = Duration{60'000}, .min = 0.0, .max = 3600.0},
    };
    return table;
}

EconomicsSettings EconomicsSettings::from(const Options& given) {
    Options o = with_defaults(keys(), given);
    EconomicsSettings s;
    s.hashprice_per_th_day = o.get_number("hashprice_per_th_day");
    s.import_per_kwh = o.get_number("import_per_kwh");
    s.feed_in_per_kwh = o.get_number("feed_in_per_kwh");
    s.clipped_cost_per_kwh = o.get_number("clipped_cost_per_kwh");
    s.genset_cost_per_kwh = o.get_number("genset_cost_per_kwh");
    s.pool_fee_pct = o.get_number("pool_fee_pct");
    s.start_margin_per_kwh = o.get_number("start_margin_per_kwh");
    s.lookahead = o.get_duration("lookahead");
    s.stop_ahead = o.get_duration("stop_ahead");
    s.start_delay = o.get_duration("start_delay");
    s.stop_delay = o.get_duration("stop_delay");
    return s;
}

Decision EconomicsPolicy::decide(const SiteSnapshot& snap, const PolicyMemory& memory) const {
    Decision d;
    d.policy = std::string(name());
    d.memory = memory;

    std::optional<double> hashprice = value_now(snap, signal::kHashpricePerThDay);
    if (!hashprice && settings_.hashprice_per_th_day > 0) hashprice = settings_.hashprice_per_th_day;
    if (!hashprice || !(*hashprice >= 0)) {
        d.fail_safe = true;
        d.reason = snap.find(signal::kHashpricePerThDay) ? "hashprice is stale" : "no hashprice";
        return d;
    }

    // The energy stack: `cheap_w` watts at `cheap_cost` (generator, clipped PV or surplus that
    // would be exported), then grid import at `import_cost` (infinite when unknown).
    const double inf = std::numeric_limits<double>::infinity();
    std::optional<double> import_price = value_now(snap, signal::kPriceImportPerKwh);
    if (!import_price && settings_.import_per_kwh >= 0) import_price = settings_.import_per_kwh;
    std::optional<double> feed_in = value_now(snap, signal::kPriceFeedInPerKwh);
    if (!feed_in) feed_in = settings_.feed_in_per_kwh;
    const double draw_w = snap.miners_draw_w();
    double cheap_w = 0, cheap_cost = 0;
    std::string cheap_what;
    auto genset_w = snap.fresh(signal::kGensetPowerW);
    auto grid_w = snap.fresh(signal::kGridPowerW);
    if (genset_w) {
        cheap_w = inf;   // the generator policy sets how much; every watt costs the same
        cheap_cost = settings_.genset_cost_per_kwh;
        cheap_what = "generator";
    } else if (grid_w && std::isfinite(*grid_w)) {
        cheap_w = std::max(0.0, draw_w - *grid_w);
        const bool throttled = snap.fresh(signal::kPvState).value_or(0) ==
                                   static_cast<double>(InverterState::throttled) ||
                               snap.fresh(signal::kPvLimitActive).value_or(0) >= 0.5;
        auto dc = snap.fresh(signal::kPvDcPowerW);
        auto rating = snap.fresh(signal::kPvRatingW);
        const bool clipping = dc && rating && *rating > 0 && *dc > *rating;
        cheap_cost = throttled || clipping ? settings_.clipped_cost_per_kwh : *feed_in;
        cheap_what = throttled || clipping ? "clipped PV" : "surplus";
    }
    const double import_cost = import_price ? *import_price : inf;

    // Prices a start must survive (look-ahead) and a running miner must survive soon.
    // Only grid energy has a schedule: the feed-in tariff for surplus, the import price beyond
    // it; generator and clipped power cost the same whenever.
    auto ahead = [&](Duration span, bool on_cheap) -> std::optional<double> {
        if (on_cheap && cheap_what != "surplus") return std::nullopt;
        auto name = on_cheap ? signal::kPriceFeedInPerKwh : signal::kPriceImportPerKwh;
        return schedule_max(snap, name, snap.now, snap.now + span);
    };

    std::vector<Candidate> cands;
    for (std::size_t i = 0; i < snap.miners.size(); ++i) {
        const MinerView& m = snap.miners[i];
        if (!m.state_fresh) continue;
        Candidate c;
        c.index = i;
        c.levels = usable_levels(m);
        if (c.levels.empty()) continue;
        c.running = m.target.run;
        // Whether the zone wanted heat on the tick before: a zone warmed to the top of its band
        // is not credited again until it has cooled through it (no flapping at the top).
        const std::string wanted_key = "heat_wanted." + m.id;
        const HeatCredit credit = heat_credit(settings_.heat_zones, m.id, snap, import_price,
                                              d.memory.get(wanted_key, 1) >= 0.5);
        if (credit.zoned && !credit.wanted) d.memory.set(wanted_key, 0);
        else d.memory.erase(wanted_key);
        c.heat_credit = credit.per_kwh;
        const double k = efficiency_correction(m);
        for (const auto& l : c.levels)
            c.j_per_th.push_back(l.hashrate_ths > 0 ? k * l.power_w / l.hashrate_ths : inf);
        cands.push_back(std::move(c));
    }
    // Most efficient first (at its lowest level), then id for determinism.
    std::sort(cands.begin(), cands.end(), [&](const Candidate& a, const Candidate& b) {
        if (a.j_per_th.front() != b.j_per_th.front()) return a.j_per_th.front() < b.j_per_th.front();
        return snap.miners[a.index].id < snap.miners[b.index].id;
    });

    double used_w = 0;
    int chosen = 0, heated = 0;
    std::string spike_note;
    PolicyMemory& mem = d.memory;
    for (const auto& c : cands) {
        const MinerView& m = snap.miners[c.index];
        double ceiling = 0;
        bool worth_lowest = false;
        // The highest level whose hash is worth the energy it would use: the blend of cheap
        // and imported watts between used_w and used_w + p, plus the start margin when paused.
        for (std::size_t l = c.levels.size(); l-- > 0;) {
            const double p = c.levels[l].power_w;
            const double cheap_part = std::clamp(cheap_w - used_w, 0.0, p);
            const double import_part = p - cheap_part;
            if (import_part > 1e-9 && !std::isfinite(import_cost)) continue;
            double cheap_price = cheap_cost, import_now = import_cost;
            // Look-ahead: a start must survive the coming slots; a running miner the next
            // stop_ahead.
            const Duration span = c.running ? settings_.stop_ahead : settings_.lookahead;
            if (cheap_part > 1e-9)
                if (auto later = ahead(span, true)) cheap_price = std::max(cheap_price, *later);
            if (import_part > 1e-9)
                if (auto later = ahead(span, false)) import_now = std::max(import_now, *later);
            double cost = (cheap_part * cheap_price + (import_part > 1e-9 ? import_part * import_now : 0)) / p;
            const double cost_now = (cheap_part * cheap_cost + (import_part > 1e-9 ? import_part * import_cost : 0)) / p;
            const double hash = revenue_per_kwh(*hashprice, c.j_per_th[l], settings_.pool_fee_pct);
            const double revenue = hash + c.heat_credit;
            if (!c.running) cost += settings_.start_margin_per_kwh;
            if (revenue >= cost) {
                ceiling = p;
                break;
            }
            if (!c.running && revenue >= cost_now + settings_.start_margin_per_kwh)
                spike_note = "; no start before a price spike within " + fmt_s(seconds(settings_.lookahead));
        }
        worth_lowest = ceiling > 0;
        if (c.heat_credit > 0) ++heated;
        // What it earns now, at its measured draw: hash and heat apart.
        if (const double kw = drawing_w(m) / 1000; kw > 0) {
            const double fee = 1 - settings_.pool_fee_pct / 100;
            const double ths = m.state && m.state->hashrate_ths && *m.state->hashrate_ths >= 0 &&
                                       std::isfinite(*m.state->hashrate_ths)
                                   ? *m.state->hashrate_ths
                                   : kw * 1000 / c.j_per_th.front();
            d.miner_hash_value_per_h[m.id] = ths * *hashprice * fee / 24;
            if (c.heat_credit > 0) d.miner_heat_value_per_h[m.id] = kw * c.heat_credit;
        }
        // Switching delays: a start or a stop must be warranted for a while, so noise in the
        // surplus or the price does not flap a miner. A running miner waiting to stop runs at
        // its lowest level.
        const std::string start_key = "start_since_ms." + m.id, stop_key = "stop_since_ms." + m.id;
        if (c.running) {
            mem.erase(start_key);
            const double bad_s = held_for_s(mem, stop_key, !worth_lowest, snap.now);
            if (!worth_lowest && bad_s < seconds(settings_.stop_delay)) ceiling = c.levels.front().power_w;
        } else {
            mem.erase(stop_key);
            const double good_s = held_for_s(mem, start_key, worth_lowest, snap.now);
            if (worth_lowest && good_s < seconds(settings_.start_delay)) ceiling = 0;
        }
        d.miner_ceiling_w[m.id] = ceiling;
        if (ceiling > 0) {
            used_w += ceiling;
            ++chosen;
        }
    }
    // Timers of miners no longer in the fleet go.
    for (auto it = mem.values().begin(); it != mem.values().end();) {
        const std::string& k = it->first;
        ++it;
        auto dot = k.find('.');
        if (dot == std::string::npos) continue;
        if (!d.miner_ceiling_w.count(k.substr(dot + 1))) mem.erase(k);
    }
    d.budget_w = used_w;
    const double break_even_cost = cheap_w > 0 ? cheap_cost : import_cost;
    d.reason = std::to_string(chosen) + " of " + std::to_string(cands.size()) +
               " miners worth their energy: hashprice " + money(*hashprice) + "/TH/day";
    if (std::isfinite(cheap_w) && cheap_w > 0 && !cheap_what.empty())
        d.reason += ", " + fmt_w(cheap_w) + " of " + cheap_what + " at " + money(cheap_cost) + "/kWh";
    else if (!cheap_what.empty() && !std::isfinite(cheap_w))
        d.reason += ", " + cheap_what + " power at " + money(break_even_cost) + "/kWh";
    d.reason += import_price ? ", import at " + money(*import_price) + "/kWh" : ", no import price";
    d.reason += spike_note;
    if (heated > 0) d.reason += ", heat credited to " + std::to_string(heated) + " miners";
    return d;
}

}  // namespace hashsink::policies
