// Register-map profiles: every shipped profile parses; decoding handles word order, scale
// points, sums, sentinels, NaN and ranges; malformed profiles are refused with a reason.
#include "adapters/sensors/profiles/modbus_profile.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "adapters/sensors/profiles/profile_catalog.hpp"

using namespace hashsink;
using namespace hashsink::sensors::profiles;
using hashsink::transport::RegisterTable;

namespace {

using Registers = std::map<std::pair<RegisterTable, int>, std::uint16_t>;

Profile parse_ok(const std::string& text) {
    auto p = parse_profile(text, "test", "test.toml");
    INFO((p ? std::string() : p.error().message));
    REQUIRE(p.has_value());
    return *p;
}

const char* kHead = "[profile]\ntitle = \"t\"\nsource = \"s\"\n";

}  // namespace

TEST_CASE("every shipped profile parses, names its source and feeds known signals", "[profiles]") {
    const auto& all = embedded_profiles();
    REQUIRE(all.size() >= 5);
    for (const char* want :
         {"dse_gencomm", "huawei_sun2000", "sma_modbus", "victron_gx", "solaredge_meter"}) {
        bool found = false;
        for (const auto& e : all) found |= std::string(e.name) == want;
        CHECK(found);
    }
    for (const auto& e : all) {
        INFO(e.name);
        auto p = parse_profile(e.text, e.name, e.name);
        INFO((p ? std::string() : p.error().message));
        REQUIRE(p.has_value());
        CHECK_FALSE(p->source.empty());
        CHECK_FALSE(p->points.empty());
        int with_signal = 0;
        for (const auto& pt : p->points) with_signal += !pt.signal.empty();
        CHECK(with_signal > 0);
        CHECK_FALSE(plan_blocks(*p).empty());
    }
}

TEST_CASE("load_profile prefers a file in the directory and refuses bad names", "[profiles]") {
    auto builtin = load_profile("victron_gx", "/nonexistent-dir");
    REQUIRE(builtin.has_value());
    CHECK(builtin->unit == 100);
    auto bad = load_profile("../etc/passwd", "/nonexistent-dir");
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error().message.find("not a profile name") != std::string::npos);
    auto missing = load_profile("no_such_device", "/nonexistent-dir");
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error().message.find("dse_gencomm") != std::string::npos);
}

TEST_CASE("decoding: word order, signedness, scale and scale points", "[profiles]") {
    Profile p = parse_ok(std::string(kHead) + R"(
[[point]]
name = "hi"
signal = "a"
address = 0
type = "int32"
[[point]]
name = "lo"
signal = "b"
address = 2
type = "uint32"
word_order = "low_first"
scale = 0.5
[[point]]
name = "w"
signal = "c"
address = 4
type = "int16"
scale_point = "sf"
sign = -1
[[point]]
name = "sf"
address = 5
type = "int16"
[[point]]
name = "f"
signal = "d"
address = 6
type = "float32"
)");
    float f = 12.5f;
    std::uint32_t bits;
    std::memcpy(&bits, &f, 4);
    Registers regs = {{{RegisterTable::holding, 0}, 0xFFFF},
                      {{RegisterTable::holding, 1}, 0xFFFE},
                      {{RegisterTable::holding, 2}, 0x0002},
                      {{RegisterTable::holding, 3}, 0x0001},
                      {{RegisterTable::holding, 4}, 1234},
                      {{RegisterTable::holding, 5}, 0xFFFE},
                      {{RegisterTable::holding, 6}, static_cast<std::uint16_t>(bits >> 16)},
                      {{RegisterTable::holding, 7}, static_cast<std::uint16_t>(bits & 0xFFFF)}};
    auto pts = decode_points(p, regs);
    CHECK(*pts["hi"].value == -2);
    CHECK(*pts["lo"].value == Approx(0x00010002 * 0.5));
    CHECK(*pts["w"].value == Approx(-12.34));
    CHECK(*pts["f"].value == Approx(12.5));
    auto blocks = plan_blocks(p);
    REQUIRE(blocks.size() == 1);
    CHECK(blocks[0].count == 8);
    // encode_point is the inverse the emulator uses.
    CHECK(encode_point(*p.find("lo"), 0x00010002 * 0.5) ==
          std::vector<std::uint16_t>{0x0002, 0x0001});
    CHECK(encode_point(*p.find("w"), -12.34, -2) == std::vector<std::uint16_t>{1234});
}

TEST_CASE("decoding refuses sentinels, NaN, infinities and out-of-range values", "[profiles]") {
    Profile p = parse_ok(std::string(kHead) + R"(
[[point]]
name = "oil"
signal = "oil"
address = 0
sentinels = [0xFFFC]
[[point]]
name = "f"
signal = "f"
address = 1
type = "float32"
[[point]]
name = "g"
signal = "g"
address = 3
type = "float32"
[[point]]
name = "pct"
signal = "pct"
address = 5
max = 100
[[point]]
name = "w"
signal = "w"
address = 6
type = "int16"
scale_point = "sf"
[[point]]
name = "sf"
address = 7
type = "int16"
sentinels = [0x8000]
)");
    Registers regs = {{{RegisterTable::holding, 0}, 0xFFFC}, {{RegisterTable::holding, 1}, 0x7FC0},
                      {{RegisterTable::holding, 2}, 0x0000}, {{RegisterTable::holding, 3}, 0x7F80},
                      {{RegisterTable::holding, 4}, 0x0000}, {{RegisterTable::holding, 5}, 250},
                      {{RegisterTable::holding, 6}, 100},    {{RegisterTable::holding, 7}, 0x8000}};
    auto pts = decode_points(p, regs);
    CHECK_FALSE(pts["oil"].value);
    CHECK(pts["oil"].problem.find("sentinel 0xFFFC") != std::string::npos);
    CHECK_FALSE(pts["f"].value);
    CHECK(pts["f"].problem.find("not a finite number") != std::string::npos);
    CHECK_FALSE(pts["g"].value);
    CHECK_FALSE(pts["pct"].value);
    CHECK(pts["pct"].problem.find("out of range") != std::string::npos);
    CHECK_FALSE(pts["w"].value);
    CHECK(pts["w"].problem.find("scale factor sf") != std::string::npos);
    auto sig = signals_from(p, pts);
    for (const char* s : {"oil", "f", "g", "pct", "w"}) {
        INFO(s);
        CHECK_FALSE(sig[s].value);
        CHECK_FALSE(sig[s].problem.empty());
    }
}

TEST_CASE("points feeding one signal are added, one missing part withholds the total",
          "[profiles]") {
    Profile p = parse_ok(std::string(kHead) + R"(
[[point]]
name = "l1"
signal = "grid"
address = 0
type = "int16"
[[point]]
name = "l2"
signal = "grid"
address = 1
type = "int16"
[[point]]
name = "alarms"
signal = "alarm"
address = 10
type = "nibbles"
count = 2
active_codes = [2, 3]
[[point]]
name = "running"
signal = "running"
address = 11
nonzero = true
)");
    Registers regs = {{{RegisterTable::holding, 0}, 100},
                      {{RegisterTable::holding, 1}, 0xFFF6},
                      {{RegisterTable::holding, 10}, 0x1131},
                      {{RegisterTable::holding, 11}, 0x1200}};
    auto sig = signals_from(p, decode_points(p, regs));
    CHECK(*sig["grid"].value == 90);
    CHECK(*sig["alarm"].value == 2);    // code 3 in register 10, code 2 in register 11
    CHECK(*sig["running"].value == 1);  // 0x1200 is not zero
    regs.erase({RegisterTable::holding, 1});
    sig = signals_from(p, decode_points(p, regs));
    CHECK_FALSE(sig["grid"].value);
    CHECK(sig["grid"].problem.find("l2") != std::string::npos);
}

TEST_CASE("malformed profiles are refused with the place and the reason", "[profiles]") {
    struct Case {
        std::string text;
        std::string expect;
    };
    const std::vector<Case> cases = {
        {"[profile]\ntitle = \"t\"\n[[point]]\nname = \"a\"\naddress = 1\n", "title and a source"},
        {std::string(kHead) + "[[point]]\nname = \"a\"\naddress = 1\ntype = \"int12\"\n",
         "unknown type"},
        {std::string(kHead) + "[[point]]\nname = \"a\"\naddress = 70000\n", "address"},
        {std::string(kHead) + "[[point]]\nname = \"a\"\naddress = 1\nscael = 2\n",
         "unknown key 'scael'"},
        {std::string(kHead) +
             "[[point]]\nname = \"a\"\naddress = 1\n[[point]]\nname = \"a\"\naddress = 2\n",
         "duplicate"},
        {std::string(kHead) + "[[point]]\nname = \"a\"\naddress = 1\nscale_point = \"b\"\n",
         "not a point"},
        {std::string(kHead) + "[[point]]\nname = \"a\"\naddress = 1\nscale = 0\n", "non-zero"},
        {std::string(kHead), "no [[point]]"},
        {"[profile\n", "test.toml:1"},
        {std::string(kHead) + "[[point]]\nname = \"a\"\naddress = 65535\ntype = \"uint32\"\n",
         "runs past"},
    };
    for (const auto& c : cases) {
        INFO(c.text);
        auto p = parse_profile(c.text, "test", "test.toml");
        REQUIRE_FALSE(p.has_value());
        CHECK_THAT(p.error().message, Catch::Contains(c.expect));
    }
}
