#include "daemon/loop/allocator.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace hashsink::loop {
namespace {

double efficiency_j_per_th(const PowerLevel& l) {
    return l.hashrate_ths > 0 ? l.power_w / l.hashrate_ths : 1e12;
}

// Eight bytes of the id from `from`, big-endian: between ids that agree on their first `from`
// bytes, orders like std::string's operator< (bytes compared as unsigned char) whenever the
// keys differ; equal keys fall back to the full comparison.
std::uint64_t id_prefix(const std::string& id, std::size_t from = 0) {
    std::uint64_t v = 0;
    for (std::size_t k = from; k < from + 8; ++k)
        v = (v << 8) | (k < id.size() ? static_cast<unsigned char>(id[k]) : 0u);
    return v;
}

std::size_t common_prefix(const std::string& a, const std::string& b, std::size_t limit) {
    std::size_t k = 0;
    const std::size_t n = std::min({a.size(), b.size(), limit});
    while (k < n && a[k] == b[k]) ++k;
    return k;
}

}  // namespace

bool within_limits(const MinerView& miner, const PowerLevel& l) {
    if (miner.max_power_w > 0 && l.power_w > miner.max_power_w + 1e-9) return false;
    if (miner.min_power_w > 0 && l.power_w < miner.min_power_w - 1e-9) return false;
    return true;
}

std::vector<PowerLevel> allowed_levels(const MinerView& miner) {
    std::vector<PowerLevel> out;
    for (const auto& l : miner.caps.levels)
        if (within_limits(miner, l)) out.push_back(l);
    return out;
}

namespace {

MinerTarget running_at(const PowerLevel& l) {
    MinerTarget t;
    t.run = true;
    t.power_w = l.power_w;
    t.frequency_mhz = l.frequency_mhz;
    t.core_voltage_mv = l.core_voltage_mv;
    return t;
}

}  // namespace

MinerTarget run_at_index(const MinerView& miner, std::size_t index) {
    MinerTarget t = running_at(miner.caps.levels[index]);
    t.level = index;  // into the miner's full level list, so drivers can look it up
    return t;
}

std::size_t last_equal_index(const MinerView& miner, std::size_t index) {
    const auto& lv = miner.caps.levels;
    const PowerLevel& l = lv[index];
    // Levels ascend by power (MinerCaps), so an equal one is in the run of equal power after
    // this one: no scan of the levels above it. Should a driver list them out of order, the
    // level found is still an equal one.
    std::size_t last = index;
    for (std::size_t j = index + 1; j < lv.size() && lv[j].power_w == l.power_w; ++j)
        if (lv[j] == l) last = j;
    return last;
}

MinerTarget run_at(const MinerView& miner, const std::vector<PowerLevel>& levels,
                   std::size_t level) {
    const auto& lv = miner.caps.levels;
    for (std::size_t j = lv.size(); j-- > 0;)
        if (lv[j] == levels[level]) return run_at_index(miner, j);
    return running_at(levels[level]);  // a level the miner does not list: no index to name
}

MinerTarget paused_target() { return MinerTarget{}; }

namespace {

// One allocation in stages, its working state shared between them. Same decisions as the
// straightforward version (kept in the allocator tests as the reference), without per-miner
// allocations: allowed levels are indices into one flat array, sort keys are computed once,
// and the heap is built in one pass.
class Allocator {
public:
    Allocator(double budget_w, const std::vector<MinerView>& miners, const AllocateOptions& options)
        : miners_(miners), options_(options), n_(miners.size()) {
        result_.targets.assign(n_, paused_target());
        has_floors_ = options.floor_w != nullptr && !options.floor_w->empty();
        left_ = budget_w > 0 ? budget_w : 0;
        nothing_to_plan_ = !(budget_w > 0) && !has_floors_;
    }

    Allocation run() {
        if (nothing_to_plan_) return std::move(result_);
        index_levels();
        sort_items();
        chosen_.assign(n_, 0);
        running_.assign(n_, 0);
        order_pos_.assign(n_, 0);
        if (has_floors_) plan_floors();
        start_lowest();
        raise_levels();
        write_targets();
        return std::move(result_);
    }

private:
    // Sort keys go with the index so the compare needs no indirection: running first, then
    // priority rank, then efficiency at the lowest allowed level, then id.
    struct Item {
        std::uint64_t group;       // 0 for running miners, then the priority rank
        double efficiency;
        std::uint64_t id_prefix;   // first 8 bytes of the id, big-endian: most id ties end here
        std::uint32_t miner;
    };
    struct Step {
        double gain_per_w;
        std::uint32_t miner;
        std::uint32_t order;
    };
    static bool less(const Step& a, const Step& b) {
        if (a.gain_per_w != b.gain_per_w) return a.gain_per_w < b.gain_per_w;
        return a.order > b.order;
    }

    std::size_t index(std::size_t i, std::size_t k) const {
        return direct_[i] ? k : flat_[first_[i] + k];
    }
    const PowerLevel& level(std::size_t i, std::size_t k) const { return base_[i][index(i, k)]; }
    std::size_t count(std::size_t i) const { return cnt_[i]; }
    bool pinned(std::size_t i) const { return !pinned_.empty() && pinned_[i]; }

    // A decision's per-miner ceiling (economics, a manual min) limits like max_power_w; -1: none.
    double ceiling_of(const MinerView& m) const {
        if (options_.ceiling_w == nullptr || options_.ceiling_w->empty()) return -1;
        auto c = options_.ceiling_w->find(m.id);
        return c != options_.ceiling_w->end() ? c->second : -1;
    }

    // Allowed levels of miner i: levels[i][k] for k < count[i], through the index list
    // flat[first[i] ..] when per-miner limits drop some, directly otherwise (no scan at all).
    void allowed_levels_of(std::size_t i) {
        const MinerView& m = miners_[i];
        const auto& lv = m.caps.levels;
        base_[i] = lv.data();
        const double ceiling_w = ceiling_of(m);
        if (m.max_power_w > 0 || m.min_power_w > 0 || ceiling_w >= 0) {
            direct_[i] = 0;
            first_[i] = static_cast<std::uint32_t>(flat_.size());
            for (std::size_t k = 0; k < lv.size(); ++k) {
                if (!within_limits(m, lv[k])) continue;
                if (ceiling_w >= 0 && lv[k].power_w > ceiling_w + 1e-9) continue;
                flat_.push_back(static_cast<std::uint32_t>(k));
            }
            cnt_[i] = static_cast<std::uint32_t>(flat_.size() - first_[i]);
        } else {
            cnt_[i] = static_cast<std::uint32_t>(lv.size());
        }
    }

    // One pass over the views (they are large; touching them once keeps the cache warm for
    // the rest): allowed levels, lowest levels, floors and sort keys.
    void index_levels() {
        std::unordered_map<std::string_view, std::size_t> rank;
        const auto& priority = options_.priority;
        if (!priority.empty()) {
            rank.reserve(priority.size());
            for (std::size_t r = 0; r < priority.size(); ++r) rank.emplace(priority[r], r);
        }
        // Floors (heat a zone needs): the power reserved for miner i, 0 when it has none.
        if (has_floors_) floor_pw_.assign(n_, 0);
        lowest_w_.assign(n_, 0);
        first_.assign(n_, 0);
        cnt_.assign(n_, 0);
        direct_.assign(n_, 1);
        base_.assign(n_, nullptr);
        items_.reserve(n_);
        // The bytes every sorted id starts with ("site-a-rack-"), so the sort keys hold the
        // bytes that tell ids apart and ties on efficiency (a fleet of one model) are settled
        // without comparing strings.
        const std::string* first_id = nullptr;
        std::size_t shared = 0;
        for (std::size_t i = 0; i < n_; ++i) {
            const MinerView& m = miners_[i];
            if (!m.state_fresh) continue;
            allowed_levels_of(i);
            if (cnt_[i] == 0) continue;
            if (first_id == nullptr) {
                first_id = &m.id;
                shared = m.id.size();
            } else if (shared > 0) {
                shared = common_prefix(*first_id, m.id, shared);
            }
            std::size_t q = rank.size();
            if (!rank.empty()) {
                auto it = rank.find(m.id);
                if (it != rank.end()) q = it->second;
            }
            const PowerLevel& low = level(i, 0);
            lowest_w_[i] = low.power_w;
            if (has_floors_) {
                auto f = options_.floor_w->find(m.id);
                if (f != options_.floor_w->end() && f->second > 0) floor_pw_[i] = f->second;
            }
            const std::uint64_t group = (m.target.run ? 0 : (std::uint64_t{1} << 63)) | q;
            items_.push_back(
                {group, efficiency_j_per_th(low), id_prefix(m.id), static_cast<std::uint32_t>(i)});
        }
        // Keys from the first bytes are as good when the shared part is short; a second pass
        // over the ids pays where it is long enough to make ties.
        if (shared >= 4)
            for (Item& it : items_) it.id_prefix = id_prefix(miners_[it.miner].id, shared);
    }

    void sort_items() {
        auto by_id = [&](const Item& a, const Item& b) {
            return miners_[a.miner].id < miners_[b.miner].id;
        };
        // Two miners with one id (the config refuses them) keep the fleet's order.
        auto by_id_then_index = [&](const Item& a, const Item& b) {
            const int c = miners_[a.miner].id.compare(miners_[b.miner].id);
            return c != 0 ? c < 0 : a.miner < b.miner;
        };
        if (radix_sort_items()) {
            // Equal keys (ids that agree on the key's bytes) are settled by the whole id.
            for (std::size_t a = 0, b = 0; a < items_.size(); a = b) {
                for (b = a + 1; b < items_.size() && same_key(items_[a], items_[b]); ++b) {
                }
                if (b - a > 1) std::sort(items_.begin() + a, items_.begin() + b, by_id_then_index);
            }
        } else {
            std::sort(items_.begin(), items_.end(), [&](const Item& a, const Item& b) {
                if (a.group != b.group) return a.group < b.group;
                if (a.efficiency != b.efficiency) return a.efficiency < b.efficiency;
                if (a.id_prefix != b.id_prefix) return a.id_prefix < b.id_prefix;
                return by_id(a, b);
            });
        }
        order_.resize(items_.size());
        for (std::size_t k = 0; k < items_.size(); ++k) order_[k] = items_[k].miner;
    }

    // The efficiency as an unsigned key that orders like the double, for one that is not
    // negative or NaN (0 and -0 the same, as they compare).
    static std::uint64_t efficiency_key(double e) {
        if (e == 0) return 0;
        std::uint64_t bits;
        std::memcpy(&bits, &e, sizeof bits);
        return bits;
    }
    static bool same_key(const Item& a, const Item& b) {
        return a.group == b.group && a.efficiency == b.efficiency && a.id_prefix == b.id_prefix;
    }

    // Sorts the items by (group, efficiency, id prefix) with a least-significant-byte radix
    // sort over only the bytes that differ between items: a fleet of a few models differs in a
    // few bytes of its ids and efficiencies, so this is a few linear passes where a comparison
    // sort takes most of the allocation. false (nothing sorted) for a negative or NaN
    // efficiency, which the comparison sort orders as the reference does.
    bool radix_sort_items() {
        if (items_.size() < 64) return false;  // a comparison sort is as quick
        std::uint64_t differ[3] = {0, 0, 0};   // id prefix, efficiency, group
        const Item& first = items_.front();
        const std::uint64_t first_efficiency = efficiency_key(first.efficiency);
        for (const Item& it : items_) {
            if (!(it.efficiency >= 0)) return false;
            differ[0] |= it.id_prefix ^ first.id_prefix;
            differ[1] |= efficiency_key(it.efficiency) ^ first_efficiency;
            differ[2] |= it.group ^ first.group;
        }
        std::vector<Item> out(items_.size());
        std::uint32_t count[256];
        for (int word = 0; word < 3; ++word) {
            for (int byte = 0; byte < 8; ++byte) {
                const int shift = 8 * byte;
                if (((differ[word] >> shift) & 0xff) == 0) continue;  // the same in every item
                auto digit = [&](const Item& it) {
                    const std::uint64_t key = word == 0   ? it.id_prefix
                                              : word == 1 ? efficiency_key(it.efficiency)
                                                          : it.group;
                    return static_cast<std::size_t>((key >> shift) & 0xff);
                };
                std::fill(std::begin(count), std::end(count), 0u);
                for (const Item& it : items_) ++count[digit(it)];
                std::uint32_t at = 0;
                for (std::uint32_t& c : count) at += std::exchange(c, at);
                for (const Item& it : items_) out[count[digit(it)]++] = it;
                items_.swap(out);
            }
        }
        return true;
    }

    // Phase 0: floors first, whatever the budget (the policy's budget includes them). A
    // continuous-target miner is pinned at its floor; phase 2 leaves it there, the last phase
    // may still give it what is left.
    void plan_floors() {
        pinned_.assign(n_, 0);
        for (const Item& it : items_) {
            const std::size_t i = it.miner;
            if (!(floor_pw_[i] > 0)) continue;
            const std::size_t c = count(i);
            std::size_t k = 0;
            if (miners_[i].caps.continuous_power) {
                const double top = level(i, c - 1).power_w;
                double want = std::clamp(floor_pw_[i], lowest_w_[i], top);
                const double step = miners_[i].caps.power_step_w;
                if (step > 0) want = std::min(top, std::ceil(want / step - 1e-9) * step);
                want = std::max(want, lowest_w_[i]);
                while (k + 1 < c && level(i, k + 1).power_w <= want + 1e-9) ++k;
                floor_pw_[i] = want;
                pinned_[i] = 1;
            } else {
                while (k + 1 < c && level(i, k).power_w < floor_pw_[i] - 1e-9) ++k;
                floor_pw_[i] = level(i, k).power_w;
            }
            chosen_[i] = static_cast<std::uint32_t>(k);
            running_[i] = 1;
            left_ -= floor_pw_[i];
        }
    }

    // Phase 1: start miners at their lowest level while they fit.
    void start_lowest() {
        for (std::size_t k = 0; k < items_.size(); ++k) {
            const std::size_t i = items_[k].miner;
            order_pos_[i] = static_cast<std::uint32_t>(k);
            if (running_[i]) continue;  // planned at its floor
            // Hysteresis: starting needs a margin that keeping a miner running does not.
            // A big miner needs a margin in proportion, or a surplus that covers its minimum
            // for a few seconds starts it.
            double margin = miners_[i].target.run
                                ? 0
                                : std::max(options_.start_margin_w,
                                           options_.start_margin_pct / 100 * lowest_w_[i]);
            if (lowest_w_[i] + margin <= left_) {
                running_[i] = 1;
                left_ -= lowest_w_[i];
            }
        }
    }

    bool step_of(std::size_t i, Step& out) const {
        if (pinned(i)) return false;
        std::size_t next = chosen_[i] + 1;
        if (next >= count(i)) return false;
        const PowerLevel& from = level(i, chosen_[i]);
        const PowerLevel& to = level(i, next);
        double dw = to.power_w - from.power_w;
        // `left` only shrinks: a step that does not fit now never will, and popping it later
        // would discard it without effect. Leaving it out keeps the heap small.
        if (dw > left_) return false;
        double dh = to.hashrate_ths - from.hashrate_ths;
        out = {dw > 0 ? dh / dw : 1e12, static_cast<std::uint32_t>(i), order_pos_[i]};
        return true;
    }

    double next_step_w(std::size_t i) const {
        return level(i, chosen_[i] + 1).power_w - level(i, chosen_[i]).power_w;
    }

    // Phase 2: raise levels by best marginal hashrate per watt.
    void raise_levels() {
        std::vector<Step> heap;
        heap.reserve(order_.size());
        // The smallest step ever queued: once even that does not fit, nothing queued can, and
        // the rest of the loop would only discard entries.
        double smallest_dw = std::numeric_limits<double>::infinity();
        auto note = [&](const Step& s) {
            smallest_dw = std::min(smallest_dw, next_step_w(s.miner));
        };
        for (std::size_t i : order_) {
            Step s;
            if (running_[i] && step_of(i, s)) {
                heap.push_back(s);
                note(s);
            }
        }
        std::make_heap(heap.begin(), heap.end(), less);
        while (!heap.empty() && !(left_ < smallest_dw)) {
            std::pop_heap(heap.begin(), heap.end(), less);
            const std::size_t i = heap.back().miner;
            heap.pop_back();
            double dw = next_step_w(i);
            if (dw > left_) continue;  // this miner's next step does not fit; others may
            left_ -= dw;
            ++chosen_[i];
            Step s;
            if (step_of(i, s)) {
                heap.push_back(s);
                std::push_heap(heap.begin(), heap.end(), less);
                note(s);
            }
        }
    }

    // The targets of the running miners; continuous-target firmwares take what is left, up to
    // their top level.
    void write_targets() {
        for (std::size_t i : order_) {
            if (!running_[i]) continue;
            const MinerView& m = miners_[i];
            const std::size_t k = index(i, chosen_[i]);
            MinerTarget& t = result_.targets[i];
            t = run_at_index(m, last_equal_index(m, k));
            if (pinned(i) && floor_pw_[i] > t.power_w + 1e-9) {
                t.power_w = floor_pw_[i];
                t.level.reset();
            }
            if (m.caps.continuous_power && left_ > 0) give_rest(i, t);
            result_.planned_w += t.power_w;
        }
    }

    void give_rest(std::size_t i, MinerTarget& t) {
        const double step_w = miners_[i].caps.power_step_w;
        double room = level(i, count(i) - 1).power_w - t.power_w;
        double extra = std::min(room, left_);
        if (step_w > 0) extra = std::floor(extra / step_w) * step_w;
        if (extra > 0) {
            t.power_w += extra;
            t.level.reset();
            left_ -= extra;
        }
    }

    const std::vector<MinerView>& miners_;
    const AllocateOptions& options_;
    const std::size_t n_;
    Allocation result_;
    bool has_floors_ = false;
    bool nothing_to_plan_ = false;
    double left_ = 0;

    std::vector<double> floor_pw_;  // has_floors_ only
    std::vector<double> lowest_w_;
    std::vector<std::uint32_t> first_, cnt_;
    std::vector<char> direct_;
    std::vector<const PowerLevel*> base_;
    std::vector<std::uint32_t> flat_;
    std::vector<Item> items_;
    std::vector<std::size_t> order_;
    std::vector<std::uint32_t> chosen_;
    std::vector<char> running_;
    std::vector<std::uint32_t> order_pos_;
    std::vector<char> pinned_;  // has_floors_ only
};

}  // namespace

Allocation allocate(double budget_w, const std::vector<MinerView>& miners,
                    const AllocateOptions& options) {
    return Allocator(budget_w, miners, options).run();
}

}  // namespace hashsink::loop
