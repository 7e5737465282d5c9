#include "daemon/loop/allocator.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <cstdint>
#include <limits>
#include <string_view>
#include <unordered_map>

namespace hashsink::loop {
namespace {

double efficiency_j_per_th(const PowerLevel& l) {
    return l.hashrate_ths > 0 ? l.power_w / l.hashrate_ths : 1e12;
}

// Orders like std::string's operator< (bytes compared as unsigned char) whenever two prefixes
// differ; equal prefixes fall back to the full comparison.
std::uint64_t id_prefix(const std::string& id) {
    std::uint64_t v = 0;
    for (std::size_t k = 0; k < 8; ++k)
        v = (v << 8) | (k < id.size() ? static_cast<unsigned char>(id[k]) : 0u);
    return v;
}

}  // namespace

std::vector<PowerLevel> allowed_levels(const MinerView& miner) {
    std::vector<PowerLevel> out;
    for (const auto& l : miner.caps.levels) {
        if (miner.max_power_w > 0 && l.power_w > miner.max_power_w + 1e-9) continue;
        if (miner.min_power_w > 0 && l.power_w < miner.min_power_w - 1e-9) continue;
        out.push_back(l);
    }
    return out;
}

MinerTarget run_at(const MinerView& miner, const std::vector<PowerLevel>& levels,
                   std::size_t level) {
    const PowerLevel& l = levels[level];
    MinerTarget t;
    t.run = true;
    t.power_w = l.power_w;
    t.frequency_mhz = l.frequency_mhz;
    t.core_voltage_mv = l.core_voltage_mv;
    // Index into the miner's full level list, so drivers can look it up.
    for (std::size_t i = 0; i < miner.caps.levels.size(); ++i)
        if (miner.caps.levels[i] == l) t.level = i;
    return t;
}

MinerTarget paused_target() { return MinerTarget{}; }

Allocation allocate(double budget_w, const std::vector<MinerView>& miners,
                    const AllocateOptions& options) {
    // Same decisions as the straightforward version (kept in the allocator tests as the
    // reference), without per-miner allocations: allowed levels are indices into one flat
    // array, sort keys are computed once, and the heap is built in one pass.
    const auto& priority = options.priority;
    const std::size_t n = miners.size();
    Allocation result;
    result.targets.assign(n, paused_target());
    const bool has_floors = options.floor_w != nullptr && !options.floor_w->empty();
    if (!(budget_w > 0) && !has_floors) return result;
    // Floors (heat a zone needs): the power reserved for miner i, 0 when it has none.
    std::vector<double> floor_pw;
    if (has_floors) floor_pw.assign(n, 0);

    std::unordered_map<std::string_view, std::size_t> rank;
    if (!priority.empty()) {
        rank.reserve(priority.size());
        for (std::size_t r = 0; r < priority.size(); ++r) rank.emplace(priority[r], r);
    }

    // One pass over the views (they are large; touching them once keeps the cache warm for
    // the rest).
    // Sort keys go with the index so the compare needs no indirection: running first, then
    // priority rank, then efficiency at the lowest allowed level, then id.
    struct Item {
        std::uint64_t group;       // 0 for running miners, then the priority rank
        double efficiency;
        std::uint64_t id_prefix;   // first 8 bytes of the id, big-endian: most id ties end here
        std::uint32_t miner;
    };
    std::vector<double> lowest_w(n, 0);
    // Allowed levels of miner i: levels[i][k] for k < count[i], through the index list
    // flat[first[i] ..] when per-miner limits drop some, directly otherwise (no scan at all).
    std::vector<std::uint32_t> first(n, 0), cnt(n, 0);
    std::vector<char> direct(n, 1);
    std::vector<const PowerLevel*> base(n, nullptr);
    std::vector<std::uint32_t> flat;
    std::vector<Item> items;
    items.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        const MinerView& m = miners[i];
        if (!m.state_fresh) continue;
        const auto& lv = m.caps.levels;
        base[i] = lv.data();
        // A decision's per-miner ceiling (economics, a manual min) limits like max_power_w.
        double ceiling_w = -1;
        if (options.ceiling_w != nullptr && !options.ceiling_w->empty()) {
            auto c = options.ceiling_w->find(m.id);
            if (c != options.ceiling_w->end()) ceiling_w = c->second;
        }
        if (m.max_power_w > 0 || m.min_power_w > 0 || ceiling_w >= 0) {
            direct[i] = 0;
            first[i] = static_cast<std::uint32_t>(flat.size());
            for (std::size_t k = 0; k < lv.size(); ++k) {
                if (m.max_power_w > 0 && lv[k].power_w > m.max_power_w + 1e-9) continue;
                if (m.min_power_w > 0 && lv[k].power_w < m.min_power_w - 1e-9) continue;
                if (ceiling_w >= 0 && lv[k].power_w > ceiling_w + 1e-9) continue;
                flat.push_back(static_cast<std::uint32_t>(k));
            }
            cnt[i] = static_cast<std::uint32_t>(flat.size() - first[i]);
        } else {
            cnt[i] = static_cast<std::uint32_t>(lv.size());
        }
        if (cnt[i] == 0) continue;
        std::size_t q = rank.size();
        if (!rank.empty()) {
            auto it = rank.find(m.id);
            if (it != rank.end()) q = it->second;
        }
        const PowerLevel& low = direct[i] ? lv[0] : lv[flat[first[i]]];
        lowest_w[i] = low.power_w;
        if (has_floors) {
            auto f = options.floor_w->find(m.id);
            if (f != options.floor_w->end() && f->second > 0) floor_pw[i] = f->second;
        }
        const std::uint64_t group = (m.target.run ? 0 : (std::uint64_t{1} << 63)) | q;
        items.push_back({group, efficiency_j_per_th(low), id_prefix(m.id), static_cast<std::uint32_t>(i)});
    }
    auto index = [&](std::size_t i, std::size_t k) -> std::size_t {
        return direct[i] ? k : flat[first[i] + k];
    };
    auto level = [&](std::size_t i, std::size_t k) -> const PowerLevel& { return base[i][index(i, k)]; };
    auto count = [&](std::size_t i) -> std::size_t { return cnt[i]; };

    std::sort(items.begin(), items.end(), [&](const Item& a, const Item& b) {
        if (a.group != b.group) return a.group < b.group;
        if (a.efficiency != b.efficiency) return a.efficiency < b.efficiency;
        if (a.id_prefix != b.id_prefix) return a.id_prefix < b.id_prefix;
        return miners[a.miner].id < miners[b.miner].id;
    });
    std::vector<std::size_t> order(items.size());
    for (std::size_t k = 0; k < items.size(); ++k) order[k] = items[k].miner;

    double left = budget_w > 0 ? budget_w : 0;
    std::vector<std::uint32_t> chosen(n, 0);
    std::vector<char> running(n, 0);
    std::vector<std::uint32_t> order_pos(n, 0);
    // Phase 0: floors first, whatever the budget (the policy's budget includes them). A
    // continuous-target miner is pinned at its floor; phase 2 leaves it there, the last phase
    // may still give it what is left.
    std::vector<char> pinned;
    if (has_floors) {
        pinned.assign(n, 0);
        for (const Item& it : items) {
            const std::size_t i = it.miner;
            if (!(floor_pw[i] > 0)) continue;
            const std::size_t c = count(i);
            std::size_t k = 0;
            if (miners[i].caps.continuous_power) {
                const double top = level(i, c - 1).power_w;
                double want = std::clamp(floor_pw[i], lowest_w[i], top);
                const double step = miners[i].caps.power_step_w;
                if (step > 0) want = std::min(top, std::ceil(want / step - 1e-9) * step);
                want = std::max(want, lowest_w[i]);
                while (k + 1 < c && level(i, k + 1).power_w <= want + 1e-9) ++k;
                floor_pw[i] = want;
                pinned[i] = 1;
            } else {
                while (k + 1 < c && level(i, k).power_w < floor_pw[i] - 1e-9) ++k;
                floor_pw[i] = level(i, k).power_w;
            }
            chosen[i] = static_cast<std::uint32_t>(k);
            running[i] = 1;
            left -= floor_pw[i];
        }
    }

    // Phase 1: start miners at their lowest level while they fit.
    for (std::size_t k = 0; k < items.size(); ++k) {
        const std::size_t i = items[k].miner;
        order_pos[i] = static_cast<std::uint32_t>(k);
        if (running[i]) continue;   // planned at its floor
        // Hysteresis: starting needs a margin that keeping a miner running does not.
        // A big miner needs a margin in proportion, or a surplus that covers its minimum for
        // a few seconds starts it.
        double margin = miners[i].target.run
                            ? 0
                            : std::max(options.start_margin_w,
                                       options.start_margin_pct / 100 * lowest_w[i]);
        if (lowest_w[i] + margin <= left) {
            running[i] = 1;
            left -= lowest_w[i];
        }
    }

    // Phase 2: raise levels by best marginal hashrate per watt.
    struct Step {
        double gain_per_w;
        std::uint32_t miner;
        std::uint32_t order;
    };
    auto less = [](const Step& a, const Step& b) {
        if (a.gain_per_w != b.gain_per_w) return a.gain_per_w < b.gain_per_w;
        return a.order > b.order;
    };
    auto step_of = [&](std::size_t i, Step& out) {
        if (!pinned.empty() && pinned[i]) return false;
        std::size_t next = chosen[i] + 1;
        if (next >= count(i)) return false;
        const PowerLevel& from = level(i, chosen[i]);
        const PowerLevel& to = level(i, next);
        double dw = to.power_w - from.power_w;
        // `left` only shrinks: a step that does not fit now never will, and popping it later
        // would discard it without effect. Leaving it out keeps the heap small.
        if (dw > left) return false;
        double dh = to.hashrate_ths - from.hashrate_ths;
        out = {dw > 0 ? dh / dw : 1e12, static_cast<std::uint32_t>(i), order_pos[i]};
        return true;
    };
    std::vector<Step> heap;
    heap.reserve(order.size());
    // The smallest step ever queued: once even that does not fit, nothing queued can, and the
    // rest of the loop would only discard entries.
    double smallest_dw = std::numeric_limits<double>::infinity();
    auto note = [&](const Step& s) {
        const std::size_t i = s.miner;
        smallest_dw = std::min(smallest_dw, level(i, chosen[i] + 1).power_w - level(i, chosen[i]).power_w);
    };
    for (std::size_t i : order) {
        Step s;
        if (running[i] && step_of(i, s)) {
            heap.push_back(s);
            note(s);
        }
    }
    std::make_heap(heap.begin(), heap.end(), less);
    while (!heap.empty() && !(left < smallest_dw)) {
        std::pop_heap(heap.begin(), heap.end(), less);
        const std::size_t i = heap.back().miner;
        heap.pop_back();
        double dw = level(i, chosen[i] + 1).power_w - level(i, chosen[i]).power_w;
        if (dw > left) continue;   // this miner's next step does not fit; others may
        left -= dw;
        ++chosen[i];
        Step s;
        if (step_of(i, s)) {
            heap.push_back(s);
            std::push_heap(heap.begin(), heap.end(), less);
            note(s);
        }
    }

    // Continuous-target firmwares take what is left, up to their top level.
    for (std::size_t i : order) {
        if (!running[i]) continue;
        const MinerView& m = miners[i];
        const std::size_t k = index(i, chosen[i]);
        const PowerLevel& l = m.caps.levels[k];
        MinerTarget& t = result.targets[i];
        t.run = true;
        t.power_w = l.power_w;
        t.frequency_mhz = l.frequency_mhz;
        t.core_voltage_mv = l.core_voltage_mv;
        // As run_at: the index of the last level equal to this one.
        std::size_t idx = k;
        for (std::size_t j = m.caps.levels.size(); j-- > k + 1;)
            if (m.caps.levels[j] == l) {
                idx = j;
                break;
            }
        t.level = idx;
        if (!pinned.empty() && pinned[i] && floor_pw[i] > t.power_w + 1e-9) {
            t.power_w = floor_pw[i];
            t.level.reset();
        }
        if (m.caps.continuous_power && left > 0) {
            double room = level(i, count(i) - 1).power_w - t.power_w;
            double extra = std::min(room, left);
            if (m.caps.power_step_w > 0)
                extra = std::floor(extra / m.caps.power_step_w) * m.caps.power_step_w;
            if (extra > 0) {
                t.power_w += extra;
                t.level.reset();
                left -= extra;
            }
        }
        result.planned_w += t.power_w;
    }
    return result;
}

}  // namespace hashsink::loop
