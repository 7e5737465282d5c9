// The one generic SunSpec decoder: turns a model's registers into named values, driven by the
// model tables. Not-implemented sentinels and values with an absent scale factor are "absent".
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "adapters/sensors/sunspec/model_table.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::sensors::sunspec {

// monostate = absent (not implemented, or its scale factor is).
using Value = std::variant<std::monostate, double, std::string>;

struct DecodedPoint {
    const PointDef* def;
    Value value;
    std::uint32_t raw = 0;  // the point's register(s) as read, for numbers of 1 or 2 registers
};

using DecodedGroup = std::vector<DecodedPoint>;

struct DecodedModel {
    const ModelDef* def = nullptr;
    std::uint16_t id = 0;
    std::uint16_t length = 0;           // L as the device reports it
    std::vector<DecodedPoint> points;   // fixed block, only the points that fit in L
    std::vector<DecodedGroup> groups;   // repetitions of def->repeating

    std::optional<double> number(std::string_view name) const;
    std::optional<std::string> text(std::string_view name) const;
    // Why number(name) is absent, naming the registers read: "W reads 0x8000 (not
    // implemented)", "W reads 0x7FC00000 (NaN)", "W_SF reads 0x8000 (not implemented)".
    std::string why_absent(std::string_view name) const;
};

std::optional<double> number(const DecodedGroup& group, std::string_view name);

// Decodes the raw value of one point (no scale factor). nullopt for the type's sentinel.
// regs must hold at least def.size registers.
std::optional<double> decode_raw_number(PointType type, std::span<const std::uint16_t> regs);
std::string decode_string(std::span<const std::uint16_t> regs);

// regs starts at the model's ID register and holds at least 2 + L registers. Errors when the
// registers are too few, the ID is unknown, or L is shorter than ID+L can express.
Result<DecodedModel> decode_model(std::span<const std::uint16_t> regs);

// {"Point": value|null, ..., "<group>": [{...}, ...]}; pads are left out.
nlohmann::ordered_json to_json(const DecodedModel& model);

}  // namespace hashsink::sensors::sunspec
