#include "adapters/sensors/sunspec/decoder.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace hashsink::sensors::sunspec {
namespace {

// SunSpec allows scale factors in -10..10; anything else is treated as broken, not applied.
constexpr int kMaxScaleFactor = 10;

std::uint32_t u32(std::span<const std::uint16_t> r) {
    return (static_cast<std::uint32_t>(r[0]) << 16) | r[1];
}

double apply_sf(double raw, int sf) {
    if (sf == 0) return raw;
    // Dividing by an exact power of ten rounds better than multiplying by 0.1^n.
    if (sf < 0) return raw / std::pow(10.0, -sf);
    return raw * std::pow(10.0, sf);
}

std::optional<int> scale_factor(const PointDef& p, const std::vector<DecodedPoint>& fixed,
                                const DecodedGroup* group) {
    if (p.has_fixed_sf) return p.fixed_sf;
    if (p.sf == nullptr) return 0;
    std::optional<double> sf;
    bool found = false;
    auto look = [&](const std::vector<DecodedPoint>& pts) {
        for (const auto& d : pts) {
            if (std::strcmp(d.def->name, p.sf) != 0) continue;
            found = true;
            if (auto* v = std::get_if<double>(&d.value)) sf = *v;
        }
    };
    if (group != nullptr) look(*group);
    if (!found) look(fixed);
    if (!sf || std::abs(*sf) > kMaxScaleFactor) return std::nullopt;
    return static_cast<int>(*sf);
}

// Decodes the points of one block (fixed part or one repetition) that fit in regs.
std::vector<DecodedPoint> decode_block(std::span<const PointDef> defs,
                                       std::span<const std::uint16_t> regs) {
    std::vector<DecodedPoint> out;
    for (const auto& p : defs) {
        if (static_cast<std::size_t>(p.offset) + p.size > regs.size()) continue;
        auto r = regs.subspan(p.offset, p.size);
        std::uint32_t raw = p.size == 1 ? r[0] : p.size == 2 ? u32(r) : 0;
        if (p.type == PointType::pad) {
            out.push_back({&p, std::monostate{}});
        } else if (p.type == PointType::string) {
            out.push_back({&p, decode_string(r)});
        } else if (auto v = decode_raw_number(p.type, r)) {
            out.push_back({&p, *v, raw});
        } else {
            out.push_back({&p, std::monostate{}, raw});
        }
    }
    return out;
}

// Second pass: scale factors may sit after the points they scale, so apply them once all raw
// values of the block are known.
void apply_scale_factors(std::vector<DecodedPoint>& block, const std::vector<DecodedPoint>& fixed,
                         const DecodedGroup* group) {
    std::vector<Value> scaled;
    scaled.reserve(block.size());
    for (const auto& d : block) {
        auto* v = std::get_if<double>(&d.value);
        if (v == nullptr || d.def->type == PointType::sunssf) {
            scaled.push_back(d.value);
            continue;
        }
        auto sf = scale_factor(*d.def, fixed, group);
        if (!sf) scaled.emplace_back(std::monostate{});
        else scaled.emplace_back(apply_sf(*v, *sf));
    }
    for (std::size_t i = 0; i < block.size(); ++i) block[i].value = std::move(scaled[i]);
}

std::optional<double> find_number(const std::vector<DecodedPoint>& pts, std::string_view name) {
    for (const auto& d : pts) {
        if (name != d.def->name) continue;
        if (auto* v = std::get_if<double>(&d.value)) return *v;
        return std::nullopt;
    }
    return std::nullopt;
}

nlohmann::ordered_json value_json(const DecodedPoint& d) {
    if (auto* s = std::get_if<std::string>(&d.value)) return *s;
    auto* v = std::get_if<double>(&d.value);
    if (v == nullptr) return nullptr;
    if (d.def->type == PointType::float32) {
        // Print the float's shortest form (49.95, not 49.950000762939453).
        char buf[32];
        auto res = std::to_chars(buf, buf + sizeof buf, static_cast<float>(*v));
        double shortest = 0;
        std::from_chars(buf, res.ptr, shortest);
        return shortest;
    }
    if (std::nearbyint(*v) == *v && std::abs(*v) < 9.0e15) return static_cast<std::int64_t>(*v);
    return *v;
}

}  // namespace

std::optional<double> decode_raw_number(PointType type, std::span<const std::uint16_t> regs) {
    switch (type) {
        case PointType::int16:
        case PointType::sunssf:
            if (regs[0] == 0x8000) return std::nullopt;
            return static_cast<std::int16_t>(regs[0]);
        case PointType::uint16:
        case PointType::enum16:
        case PointType::bitfield16:
            if (regs[0] == 0xFFFF) return std::nullopt;
            return regs[0];
        case PointType::count:
            return regs[0];
        case PointType::acc16:
            if (regs[0] == 0) return std::nullopt;
            return regs[0];
        case PointType::acc32:
            if (u32(regs) == 0) return std::nullopt;
            return u32(regs);
        case PointType::int32:
            if (u32(regs) == 0x80000000u) return std::nullopt;
            return static_cast<std::int32_t>(u32(regs));
        case PointType::uint32:
        case PointType::enum32:
        case PointType::bitfield32:
            if (u32(regs) == 0xFFFFFFFFu) return std::nullopt;
            return u32(regs);
        case PointType::float32: {
            std::uint32_t bits = u32(regs);
            float f;
            std::memcpy(&f, &bits, sizeof f);
            if (!std::isfinite(f)) return std::nullopt;
            return f;
        }
        case PointType::string:
        case PointType::pad:
            return std::nullopt;
    }
    return std::nullopt;
}

std::string decode_string(std::span<const std::uint16_t> regs) {
    std::string s;
    for (auto r : regs) {
        s.push_back(static_cast<char>(r >> 8));
        s.push_back(static_cast<char>(r & 0xFF));
    }
    if (auto nul = s.find('\0'); nul != std::string::npos) s.resize(nul);
    // Registers are hostile: keep printable ASCII only, so the text is always valid UTF-8.
    for (auto& c : s) {
        auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u > 0x7E) c = '?';
    }
    auto first = s.find_first_not_of(' ');
    if (first == std::string::npos) return {};
    auto last = s.find_last_not_of(' ');
    return s.substr(first, last - first + 1);
}

std::optional<double> DecodedModel::number(std::string_view name) const {
    return find_number(points, name);
}

std::optional<std::string> DecodedModel::text(std::string_view name) const {
    for (const auto& d : points)
        if (name == d.def->name)
            if (auto* s = std::get_if<std::string>(&d.value)) return *s;
    return std::nullopt;
}

std::string DecodedModel::why_absent(std::string_view name) const {
    auto describe = [](const DecodedPoint& d) {
        char hex[16];
        std::snprintf(hex, sizeof hex, d.def->size == 2 ? "0x%08X" : "0x%04X", d.raw);
        std::string what = d.def->type == PointType::float32
                               ? ((d.raw & 0x007FFFFF) != 0 ? "NaN" : "infinite")
                           : d.def->type == PointType::sunssf
                               ? (d.raw == 0x8000 ? "not implemented" : "out of range")
                               : "not implemented";
        return std::string(d.def->name) + " reads " + hex + " (" + what + ")";
    };
    for (const auto& d : points) {
        if (name != d.def->name) continue;
        if (d.def->size > 2) return std::string(name) + " is not a number";
        std::uint16_t words[2] = {
            static_cast<std::uint16_t>(d.def->size == 2 ? d.raw >> 16 : d.raw),
            static_cast<std::uint16_t>(d.raw & 0xFFFF)};
        if (!decode_raw_number(d.def->type, std::span<const std::uint16_t>(words, d.def->size)))
            return describe(d);
        // The value itself is fine: its scale factor is not.
        if (d.def->sf != nullptr)
            for (const auto& f : points)
                if (std::strcmp(f.def->name, d.def->sf) == 0) return describe(f);
        return std::string(name) + " has no usable scale factor";
    }
    return std::string(name) + " is beyond the model's length";
}

std::optional<double> number(const DecodedGroup& group, std::string_view name) {
    return find_number(group, name);
}

Result<DecodedModel> decode_model(std::span<const std::uint16_t> regs) {
    if (regs.size() < 2)
        return Status::error(ErrorCode::protocol, "model shorter than its ID and L", false);
    std::uint16_t id = regs[0];
    std::uint16_t length = regs[1];
    const ModelDef* def = find_model(id);
    if (def == nullptr)
        return Status::error(ErrorCode::unsupported, "model " + std::to_string(id) + " is unknown",
                             false);
    if (regs.size() < 2u + length)
        return Status::error(ErrorCode::protocol,
                             "model " + std::to_string(id) + ": L=" + std::to_string(length) +
                                 " but only " + std::to_string(regs.size()) + " registers read",
                             false);
    auto body = regs.first(2u + length);
    DecodedModel m;
    m.def = def;
    m.id = id;
    m.length = length;
    m.points = decode_block(def->point_list(), body);
    if (def->repeating != nullptr && body.size() > def->fixed_length &&
        def->repeating->length > 0) {
        std::size_t n = (body.size() - def->fixed_length) / def->repeating->length;
        for (std::size_t i = 0; i < n; ++i) {
            auto g = body.subspan(def->fixed_length + i * def->repeating->length,
                                  def->repeating->length);
            m.groups.push_back(decode_block(def->repeating->point_list(), g));
        }
    }
    // Groups first: they read the fixed block's scale factors before those are touched.
    for (auto& g : m.groups) apply_scale_factors(g, m.points, &g);
    apply_scale_factors(m.points, m.points, nullptr);
    return m;
}

nlohmann::ordered_json to_json(const DecodedModel& model) {
    auto out = nlohmann::ordered_json::object();
    for (const auto& d : model.points) {
        if (d.def->type == PointType::pad) continue;
        out[d.def->name] = value_json(d);
    }
    if (model.def != nullptr && model.def->repeating != nullptr) {
        auto arr = nlohmann::ordered_json::array();
        for (const auto& g : model.groups) {
            auto obj = nlohmann::ordered_json::object();
            for (const auto& d : g)
                if (d.def->type != PointType::pad) obj[d.def->name] = value_json(d);
            arr.push_back(std::move(obj));
        }
        out[model.def->repeating->name] = std::move(arr);
    }
    return out;
}

}  // namespace hashsink::sensors::sunspec
