// SunSpec model tables: the point layout of each supported model, as data. The tables themselves
// (model_tables.cpp) are generated from the official SunSpec JSON by tools/gen_sunspec_models.py.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace hashsink::sensors::sunspec {

enum class PointType : std::uint8_t {
    int16, uint16, count, acc16, acc32, int32, uint32, float32, string,
    enum16, enum32, bitfield16, bitfield32, sunssf, pad
};
const char* to_string(PointType t) noexcept;

struct PointDef {
    const char* name;
    PointType type;
    std::uint16_t offset;   // registers from the model's ID (or the group's start)
    std::uint16_t size;     // registers
    const char* sf;         // name of the scale-factor point, or nullptr
    std::int8_t fixed_sf;   // used when has_fixed_sf
    bool has_fixed_sf;
    const char* units;      // or nullptr
};

struct GroupDef {
    const char* name;
    const PointDef* points;
    std::size_t point_count;
    std::uint16_t length;   // registers per repetition

    std::span<const PointDef> point_list() const { return {points, point_count}; }
};

struct ModelDef {
    std::uint16_t id;
    const char* name;
    const PointDef* points;
    std::size_t point_count;
    std::uint16_t fixed_length;   // registers of the fixed block, ID and L included
    const GroupDef* repeating;    // nullptr when the model has none

    std::span<const PointDef> point_list() const { return {points, point_count}; }
};

std::span<const ModelDef> models();
const ModelDef* find_model(std::uint16_t id);
const PointDef* find_point(std::span<const PointDef> points, std::string_view name);

}  // namespace hashsink::sensors::sunspec
