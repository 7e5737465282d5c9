#include "adapters/sensors/sunspec/model_table.hpp"

namespace hashsink::sensors::sunspec {

const char* to_string(PointType t) noexcept {
    switch (t) {
        case PointType::int16: return "int16";
        case PointType::uint16: return "uint16";
        case PointType::count: return "count";
        case PointType::acc16: return "acc16";
        case PointType::acc32: return "acc32";
        case PointType::int32: return "int32";
        case PointType::uint32: return "uint32";
        case PointType::float32: return "float32";
        case PointType::string: return "string";
        case PointType::enum16: return "enum16";
        case PointType::enum32: return "enum32";
        case PointType::bitfield16: return "bitfield16";
        case PointType::bitfield32: return "bitfield32";
        case PointType::sunssf: return "sunssf";
        case PointType::pad: return "pad";
    }
    return "?";
}

const ModelDef* find_model(std::uint16_t id) {
    for (const auto& m : models())
        if (m.id == id) return &m;
    return nullptr;
}

const PointDef* find_point(std::span<const PointDef> points, std::string_view name) {
    for (const auto& p : points)
        if (name == p.name) return &p;
    return nullptr;
}

}  // namespace hashsink::sensors::sunspec
