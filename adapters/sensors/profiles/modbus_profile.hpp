// Modbus register-map profiles: a device described as data (a TOML file), so a new device is a
// new file, not new code. Parsing, block planning and decoding are pure; I/O is the source's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/transport/modbus_client.hpp"
#include "daemon/core/result.hpp"

namespace hashsink::sensors::profiles {

enum class PointType { uint16, int16, uint32, int32, uint64, int64, float32, nibbles };
const char* to_string(PointType t) noexcept;
int register_count(PointType t) noexcept;  // nibbles: 1 per register (see Point::count)

struct Point {
    std::string name;
    std::string signal;  // snapshot signal it feeds; empty: shown by probe only
    transport::RegisterTable table = transport::RegisterTable::holding;
    int address = 0;  // 0-based wire address
    PointType type = PointType::uint16;
    bool low_word_first = false;  // 32/64-bit values: word order
    double scale = 1;             // physical = raw x scale x 10^scale_point x sign
    std::string scale_point;      // SunSpec-style scale-factor point (int16 exponent)
    int sign = 1;
    std::string unit;
    std::vector<std::uint64_t> sentinels;  // raw values meaning "not available"
    std::optional<double> min, max;        // physical range; outside it the value is rejected
    int count = 1;                         // nibbles: registers holding 4-bit codes
    std::vector<int> active_codes;         // nibbles: codes that count as active
    bool nonzero = false;                  // publish 1 when the value is not 0, else 0

    int registers() const noexcept {
        return type == PointType::nibbles ? count : register_count(type);
    }
};

struct Profile {
    std::string name;  // file name without .toml
    std::string title;
    std::string source;  // where the register map comes from
    int unit = 1;
    int port = 502;
    // RTU defaults the device documents (overridable in the source's config).
    int baud = 9600;
    char parity = 'N';
    int data_bits = 8;
    int stop_bits = 1;
    std::string rating_signal;  // the signal a configured rating_w is published as
    std::vector<Point> points;

    const Point* find(std::string_view point_name) const;
};

// Parses a profile. name is the profile's name; origin names the file in messages.
Result<Profile> parse_profile(std::string_view toml_text, const std::string& name,
                              const std::string& origin);

// A contiguous read: table, first address, register count, and the points it covers.
struct Block {
    transport::RegisterTable table = transport::RegisterTable::holding;
    int address = 0;
    int count = 0;
    std::vector<std::size_t> points;  // indexes into Profile::points
};
// Groups the points into as few reads as possible: gaps up to max_gap registers are read over,
// a block never exceeds max_count registers.
std::vector<Block> plan_blocks(const Profile& profile, int max_gap = 8, int max_count = 120);

// One decoded point: a value, or why there is none.
struct PointValue {
    std::optional<double> value;
    std::uint64_t raw = 0;
    std::string problem;  // empty when value is set: "not available (sentinel 0xFFFC)", ...
};

// Decodes every point from register images keyed by (table, address). A missing register makes
// its point "not read". Values are checked: sentinels, NaN and infinities, the point's range.
std::map<std::string, PointValue> decode_points(
    const Profile& profile,
    const std::map<std::pair<transport::RegisterTable, int>, std::uint16_t>& registers);

// The signals the points feed: points with the same signal are added (three phases make a
// total); a signal with any part missing is not published, and its problem says why.
struct SignalValue {
    std::optional<double> value;
    std::string problem;
};
std::map<std::string, SignalValue> signals_from(const Profile& profile,
                                                const std::map<std::string, PointValue>& points);

// Encodes a physical value into the raw registers a point occupies (the emulator's side).
std::vector<std::uint16_t> encode_point(const Point& point, double physical,
                                        double scale_exponent = 0);

}  // namespace hashsink::sensors::profiles
