#include "adapters/sensors/profiles/modbus_profile.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <sstream>

namespace hashsink::sensors::profiles {
namespace {

using transport::RegisterTable;

struct TypeName {
    const char* name;
    PointType type;
};
constexpr TypeName kTypes[] = {
    {"uint16", PointType::uint16},   {"int16", PointType::int16},     {"uint32", PointType::uint32},
    {"int32", PointType::int32},     {"uint64", PointType::uint64},   {"int64", PointType::int64},
    {"float32", PointType::float32}, {"nibbles", PointType::nibbles},
};

constexpr std::string_view kProfileKeys[] = {"name",      "title",      "source",       "unit",
                                             "port",      "baud",       "parity",       "data_bits",
                                             "stop_bits", "word_order", "rating_signal"};
constexpr std::string_view kPointKeys[] = {
    "name",  "signal",      "table",        "address", "type",      "word_order",
    "scale", "scale_point", "sign",         "unit",    "sentinels", "min",
    "max",   "count",       "active_codes", "nonzero", "doc"};

std::string hex(std::uint64_t v) {
    std::ostringstream s;
    s << "0x" << std::uppercase << std::hex << v;
    return s.str();
}

std::string where(const std::string& origin, const toml::node& n) {
    const auto& r = n.source();
    return origin + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
}

Status bad(const std::string& at, const std::string& msg) {
    return Status::error(ErrorCode::invalid, "profile " + at + ": " + msg, false);
}

std::optional<double> number_of(const toml::node* n) {
    if (n == nullptr) return std::nullopt;
    if (auto i = n->value<std::int64_t>()) return static_cast<double>(*i);
    if (auto d = n->value<double>()) return *d;
    return std::nullopt;
}

Status check_keys(const toml::table& t, const std::string& origin, const std::string& what,
                  const std::string_view* keys, std::size_t n) {
    for (const auto& [k, v] : t) {
        bool known = false;
        for (std::size_t i = 0; i < n; ++i) known |= keys[i] == k.str();
        if (!known)
            return bad(where(origin, v), what + ": unknown key '" + std::string(k.str()) + "'");
    }
    return Status::success();
}

std::uint64_t assemble(const std::vector<std::uint16_t>& words, bool low_first) {
    std::uint64_t v = 0;
    const std::size_t n = words.size();
    for (std::size_t i = 0; i < n; ++i) v = (v << 16) | words[low_first ? n - 1 - i : i];
    return v;
}

}  // namespace

const char* to_string(PointType t) noexcept {
    for (const auto& e : kTypes)
        if (e.type == t) return e.name;
    return "?";
}

int register_count(PointType t) noexcept {
    switch (t) {
        case PointType::uint32:
        case PointType::int32:
        case PointType::float32:
            return 2;
        case PointType::uint64:
        case PointType::int64:
            return 4;
        default:
            return 1;
    }
}

const Point* Profile::find(std::string_view point_name) const {
    for (const auto& p : points)
        if (p.name == point_name) return &p;
    return nullptr;
}

namespace {

Result<toml::table> parse_toml(std::string_view text, const std::string& origin) {
    try {
        return toml::parse(text, origin);
    } catch (const toml::parse_error& e) {
        const auto& r = e.source();
        return bad(
            origin + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column),
            std::string(e.description()));
    } catch (const std::exception& e) {
        return bad(origin, e.what());
    }
}

// [profile]: what the profile is and how to reach the device. Sets `default_low_first`, the
// word order of points that do not name theirs.
Status parse_head(const toml::table& head, const std::string& origin, Profile& p,
                  bool& default_low_first) {
    if (auto st = check_keys(head, origin, "[profile]", kProfileKeys, std::size(kProfileKeys)); !st)
        return st;
    p.title = head["title"].value_or(std::string());
    p.source = head["source"].value_or(std::string());
    if (p.title.empty() || p.source.empty())
        return bad(origin,
                   "[profile] needs a title and a source (where the register map comes from)");
    p.unit = static_cast<int>(head["unit"].value_or(std::int64_t{1}));
    p.port = static_cast<int>(head["port"].value_or(std::int64_t{502}));
    p.baud = static_cast<int>(head["baud"].value_or(std::int64_t{9600}));
    std::string parity = head["parity"].value_or(std::string("N"));
    p.data_bits = static_cast<int>(head["data_bits"].value_or(std::int64_t{8}));
    p.stop_bits = static_cast<int>(head["stop_bits"].value_or(std::int64_t{1}));
    p.rating_signal = head["rating_signal"].value_or(std::string());
    std::string order = head["word_order"].value_or(std::string("high_first"));
    if (p.unit < 0 || p.unit > 255) return bad(origin, "[profile] unit must be 0..255");
    if (p.port < 1 || p.port > 65535) return bad(origin, "[profile] port must be 1..65535");
    if (parity != "N" && parity != "E" && parity != "O")
        return bad(origin, "[profile] parity must be \"N\", \"E\" or \"O\"");
    p.parity = parity[0];
    if (p.stop_bits < 1 || p.stop_bits > 2)
        return bad(origin, "[profile] stop_bits must be 1 or 2");
    if (p.data_bits < 5 || p.data_bits > 8) return bad(origin, "[profile] data_bits must be 5..8");
    if (order != "high_first" && order != "low_first")
        return bad(origin, "[profile] word_order must be \"high_first\" or \"low_first\"");
    default_low_first = order == "low_first";
    return Status::success();
}

// Where a point is and how its words read: table, address, type, word order.
Status parse_location(const toml::table& t, const std::string& at, const std::string& ctx,
                      bool default_low_first, Point& pt) {
    std::string table = t["table"].value_or(std::string("holding"));
    if (table == "holding")
        pt.table = RegisterTable::holding;
    else if (table == "input")
        pt.table = RegisterTable::input;
    else
        return bad(at, ctx + "table must be \"holding\" or \"input\"");
    auto address = t["address"].value<std::int64_t>();
    if (!address || *address < 0 || *address > 65535)
        return bad(at, ctx + "address must be an integer 0..65535");
    pt.address = static_cast<int>(*address);
    std::string type = t["type"].value_or(std::string("uint16"));
    bool known = false;
    for (const auto& e : kTypes)
        if (type == e.name) {
            pt.type = e.type;
            known = true;
        }
    if (!known) return bad(at, ctx + "unknown type '" + type + "'");
    std::string wo =
        t["word_order"].value_or(std::string(default_low_first ? "low_first" : "high_first"));
    if (wo != "high_first" && wo != "low_first")
        return bad(at, ctx + "word_order must be \"high_first\" or \"low_first\"");
    pt.low_word_first = wo == "low_first";
    return Status::success();
}

// sentinels: raw values meaning "not available", as integers or (64-bit) as strings.
Status parse_sentinels(const toml::node& s, const std::string& at, const std::string& ctx,
                       Point& pt) {
    const auto* arr = s.as_array();
    if (arr == nullptr) return bad(at, ctx + "sentinels must be a list of integers");
    for (const auto& e : *arr) {
        // 64-bit sentinels do not fit a TOML integer: "0xFFFFFFFFFFFFFFFF" as a string.
        if (auto text = e.value<std::string>()) {
            try {
                std::size_t used = 0;
                pt.sentinels.push_back(std::stoull(*text, &used, 0));
                if (used != text->size()) throw std::invalid_argument(*text);
                continue;
            } catch (const std::exception&) {
                return bad(at, ctx + "sentinel '" + *text + "' is not an integer");
            }
        }
        auto v = e.value<std::int64_t>();
        if (!v || *v < 0) return bad(at, ctx + "sentinels must be non-negative integers");
        pt.sentinels.push_back(static_cast<std::uint64_t>(*v));
    }
    return Status::success();
}

// How a point's raw value becomes a physical one: scale, sign, unit, sentinels, range, count,
// active codes, nonzero.
Status parse_meaning(const toml::table& t, const std::string& at, const std::string& ctx,
                     Point& pt) {
    if (const auto* s = t.get("scale")) {
        auto v = number_of(s);
        if (!v || !std::isfinite(*v) || *v == 0)
            return bad(at, ctx + "scale must be a non-zero number");
        pt.scale = *v;
    }
    pt.scale_point = t["scale_point"].value_or(std::string());
    pt.sign = static_cast<int>(t["sign"].value_or(std::int64_t{1}));
    if (pt.sign != 1 && pt.sign != -1) return bad(at, ctx + "sign must be 1 or -1");
    pt.unit = t["unit"].value_or(std::string());
    if (const auto* s = t.get("sentinels")) {
        if (auto st = parse_sentinels(*s, at, ctx, pt); !st) return st;
    }
    pt.min = number_of(t.get("min"));
    pt.max = number_of(t.get("max"));
    if (pt.min && pt.max && *pt.min > *pt.max) return bad(at, ctx + "min is above max");
    pt.count = static_cast<int>(t["count"].value_or(std::int64_t{1}));
    if (pt.count < 1 || pt.count > 64) return bad(at, ctx + "count must be 1..64");
    if (const auto* s = t.get("active_codes")) {
        const auto* arr = s->as_array();
        if (arr == nullptr) return bad(at, ctx + "active_codes must be a list of integers");
        for (const auto& e : *arr) {
            auto v = e.value<std::int64_t>();
            if (!v || *v < 0 || *v > 15) return bad(at, ctx + "active_codes must be 0..15");
            pt.active_codes.push_back(static_cast<int>(*v));
        }
    }
    if (pt.type == PointType::nibbles && pt.active_codes.empty())
        return bad(at, ctx + "nibbles need active_codes");
    pt.nonzero = t["nonzero"].value_or(false);
    return Status::success();
}

// One [[point]]; `names` holds the names taken so far.
Result<Point> parse_point(const toml::node& node, const std::string& origin, bool default_low_first,
                          std::set<std::string>& names) {
    const toml::table* t = node.as_table();
    if (t == nullptr) return bad(where(origin, node), "[[point]] must be a table");
    const std::string at = where(origin, node);
    if (auto st = check_keys(*t, origin, "[[point]]", kPointKeys, std::size(kPointKeys)); !st)
        return st;
    Point pt;
    pt.name = (*t)["name"].value_or(std::string());
    if (pt.name.empty()) return bad(at, "point needs a name");
    if (!names.insert(pt.name).second) return bad(at, "duplicate point '" + pt.name + "'");
    const std::string ctx = "point " + pt.name + ": ";
    pt.signal = (*t)["signal"].value_or(std::string());
    if (auto st = parse_location(*t, at, ctx, default_low_first, pt); !st) return st;
    if (auto st = parse_meaning(*t, at, ctx, pt); !st) return st;
    if (pt.address + pt.registers() > 65536) return bad(at, ctx + "runs past register 65535");
    return pt;
}

// Every scale_point names a plain int16 point of the profile.
Status check_scale_points(const Profile& p, const std::string& origin) {
    for (const auto& pt : p.points) {
        if (pt.scale_point.empty()) continue;
        const Point* sf = p.find(pt.scale_point);
        if (sf == nullptr)
            return bad(origin, "point " + pt.name + ": scale_point '" + pt.scale_point +
                                   "' is not a point");
        if (sf->type != PointType::int16 || !sf->scale_point.empty())
            return bad(origin, "point " + pt.name + ": scale_point '" + pt.scale_point +
                                   "' must be a plain int16 point");
    }
    return Status::success();
}

}  // namespace

Result<Profile> parse_profile(std::string_view text, const std::string& name,
                              const std::string& origin) {
    auto parsed = parse_toml(text, origin);
    if (!parsed) return parsed.error();
    const toml::table& doc = *parsed;
    Profile p;
    p.name = name;
    const toml::table* head = doc["profile"].as_table();
    if (head == nullptr) return bad(origin, "missing [profile] table");
    for (const auto& [k, v] : doc)
        if (k.str() != "profile" && k.str() != "point")
            return bad(where(origin, v), "unknown table '" + std::string(k.str()) + "'");
    bool default_low_first = false;
    if (auto st = parse_head(*head, origin, p, default_low_first); !st) return st;

    const toml::array* points = doc["point"].as_array();
    if (points == nullptr || points->empty()) return bad(origin, "no [[point]] entries");
    std::set<std::string> names;
    for (const auto& node : *points) {
        auto pt = parse_point(node, origin, default_low_first, names);
        if (!pt) return pt.error();
        p.points.push_back(std::move(*pt));
    }
    if (auto st = check_scale_points(p, origin); !st) return st;
    return p;
}

std::vector<Block> plan_blocks(const Profile& profile, int max_gap, int max_count) {
    std::vector<std::size_t> order(profile.points.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const auto& pa = profile.points[a];
        const auto& pb = profile.points[b];
        return std::pair(pa.table, pa.address) < std::pair(pb.table, pb.address);
    });
    std::vector<Block> blocks;
    for (std::size_t i : order) {
        const Point& pt = profile.points[i];
        const int end = pt.address + pt.registers();
        if (!blocks.empty()) {
            Block& b = blocks.back();
            const int b_end = b.address + b.count;
            if (b.table == pt.table && pt.address <= b_end + max_gap &&
                std::max(end, b_end) - b.address <= max_count) {
                b.count = std::max(end, b_end) - b.address;
                b.points.push_back(i);
                continue;
            }
        }
        blocks.push_back({pt.table, pt.address, pt.registers(), {i}});
    }
    return blocks;
}

namespace {

using Registers = std::map<std::pair<RegisterTable, int>, std::uint16_t>;

std::optional<std::vector<std::uint16_t>> words_of(const Point& pt, const Registers& regs) {
    std::vector<std::uint16_t> w;
    for (int k = 0; k < pt.registers(); ++k) {
        auto it = regs.find({pt.table, pt.address + k});
        if (it == regs.end()) return std::nullopt;
        w.push_back(it->second);
    }
    return w;
}

// The raw value as its type reads it.
double typed_value(PointType type, std::uint64_t raw) {
    switch (type) {
        case PointType::uint16:
        case PointType::uint32:
        case PointType::uint64:
            return static_cast<double>(raw);
        case PointType::int16:
            return static_cast<std::int16_t>(raw);
        case PointType::int32:
            return static_cast<std::int32_t>(raw);
        case PointType::int64:
            return static_cast<double>(static_cast<std::int64_t>(raw));
        case PointType::float32: {
            auto bits = static_cast<std::uint32_t>(raw);
            float f;
            std::memcpy(&f, &bits, sizeof f);
            return f;
        }
        default:
            return 0;
    }
}

// One point's value before scaling: nibbles count their active codes; other types assemble
// their words, a sentinel meaning "not available".
PointValue decode_one(const Point& pt, const Registers& regs) {
    PointValue pv;
    auto words = words_of(pt, regs);
    if (!words) {
        pv.problem = "not read";
        return pv;
    }
    double v = 0;
    if (pt.type == PointType::nibbles) {
        int active = 0;
        for (std::uint16_t w : *words)
            for (int shift = 12; shift >= 0; shift -= 4)
                if (std::find(pt.active_codes.begin(), pt.active_codes.end(), (w >> shift) & 0xF) !=
                    pt.active_codes.end())
                    ++active;
        pv.raw = static_cast<std::uint64_t>(active);
        v = active;
    } else {
        const std::uint64_t raw = assemble(*words, pt.low_word_first);
        pv.raw = raw;
        for (std::uint64_t s : pt.sentinels) {
            if (s == raw) {
                pv.problem = "not available (sentinel " + hex(raw) + ")";
                return pv;
            }
        }
        v = typed_value(pt.type, raw);
    }
    if (!std::isfinite(v)) {
        pv.problem = "not a finite number (raw " + hex(pv.raw) + ")";
        return pv;
    }
    pv.value = v;
    return pv;
}

// Scale, sign, scale factor, range and nonzero applied to a decoded value (pv.value set);
// `scale_factor` is the decoded scale_point, when the point has one.
void finish(const Point& pt, const PointValue* scale_factor, PointValue& pv) {
    double v = *pv.value * pt.scale * pt.sign;
    if (scale_factor != nullptr) {
        const PointValue& sf = *scale_factor;
        if (!sf.value || *sf.value < -10 || *sf.value > 10) {
            pv.value.reset();
            pv.problem =
                "scale factor " + pt.scale_point + (sf.value ? " out of range" : ": " + sf.problem);
            return;
        }
        v *= std::pow(10.0, *sf.value);
    }
    if ((pt.min && v < *pt.min) || (pt.max && v > *pt.max)) {
        std::ostringstream s;
        s << "out of range: " << v;
        if (!pt.unit.empty()) s << " " << pt.unit;
        s << " (valid " << (pt.min ? std::to_string(*pt.min) : "-inf") << " .. "
          << (pt.max ? std::to_string(*pt.max) : "inf") << ")";
        pv.value.reset();
        pv.problem = s.str();
        return;
    }
    if (pt.nonzero) v = v != 0 ? 1 : 0;
    pv.value = v;
}

}  // namespace

std::map<std::string, PointValue> decode_points(const Profile& profile, const Registers& regs) {
    std::map<std::string, PointValue> out;
    // Raw words first, then scale factors, then values that depend on them.
    for (const auto& pt : profile.points)
        if (pt.scale_point.empty()) out[pt.name] = decode_one(pt, regs);
    for (const auto& pt : profile.points) {
        if (!pt.scale_point.empty()) out[pt.name] = decode_one(pt, regs);
    }
    for (const auto& pt : profile.points) {
        PointValue& pv = out[pt.name];
        if (!pv.value) continue;
        finish(pt, pt.scale_point.empty() ? nullptr : &out[pt.scale_point], pv);
    }
    // Scale factors were needed raw above; they are shown as decoded too.
    return out;
}

std::map<std::string, SignalValue> signals_from(const Profile& profile,
                                                const std::map<std::string, PointValue>& points) {
    std::map<std::string, SignalValue> out;
    for (const auto& pt : profile.points) {
        if (pt.signal.empty()) continue;
        auto it = points.find(pt.name);
        auto [slot, fresh] = out.try_emplace(pt.signal, SignalValue{0.0, {}});
        (void)fresh;
        SignalValue& sv = slot->second;
        if (it == points.end() || !it->second.value) {
            if (sv.problem.empty())
                sv.problem = "point " + pt.name + ": " +
                             (it == points.end() ? std::string("not read") : it->second.problem);
            sv.value.reset();
            continue;
        }
        if (sv.problem.empty()) sv.value = *sv.value + *it->second.value;
    }
    return out;
}

std::vector<std::uint16_t> encode_point(const Point& pt, double physical, double scale_exponent) {
    const int n = pt.registers();
    std::vector<std::uint16_t> words(static_cast<std::size_t>(n), 0);
    if (pt.type == PointType::nibbles) return words;
    double raw_value = physical / (pt.scale * pt.sign * std::pow(10.0, scale_exponent));
    std::uint64_t raw = 0;
    switch (pt.type) {
        case PointType::float32: {
            float f = static_cast<float>(raw_value);
            std::uint32_t bits;
            std::memcpy(&bits, &f, sizeof bits);
            raw = bits;
            break;
        }
        case PointType::int16:
        case PointType::int32:
        case PointType::int64:
            raw = static_cast<std::uint64_t>(static_cast<std::int64_t>(std::llround(raw_value)));
            break;
        default:
            raw = static_cast<std::uint64_t>(std::llround(std::max(0.0, raw_value)));
    }
    for (int i = 0; i < n; ++i) {
        auto w = static_cast<std::uint16_t>(raw >> (16 * (n - 1 - i)));
        words[static_cast<std::size_t>(pt.low_word_first ? n - 1 - i : i)] = w;
    }
    return words;
}

}  // namespace hashsink::sensors::profiles
