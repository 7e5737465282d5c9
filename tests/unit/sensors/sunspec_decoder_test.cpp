// The generic SunSpec decoder on hand-made register images.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "adapters/sensors/sunspec/decoder.hpp"
#include "adapters/sensors/sunspec/model_table.hpp"

using namespace hashsink::sensors::sunspec;

namespace {

// A register image for one model: ID, L, then everything "not implemented" (zeros here, the
// tests set what they need).
struct Image {
    std::vector<std::uint16_t> regs;
    const ModelDef* def;

    Image(std::uint16_t id, std::uint16_t length) : regs(2u + length, 0), def(find_model(id)) {
        regs[0] = id;
        regs[1] = length;
    }
    int offset(const char* point) const { return find_point(def->point_list(), point)->offset; }
    void set(const char* point, std::uint16_t v) { regs[offset(point)] = v; }
    void set32(const char* point, std::uint32_t v) {
        regs[offset(point)] = static_cast<std::uint16_t>(v >> 16);
        regs[offset(point) + 1] = static_cast<std::uint16_t>(v & 0xFFFF);
    }
    void setf(const char* point, float f) {
        std::uint32_t bits;
        std::memcpy(&bits, &f, sizeof bits);
        set32(point, bits);
    }
    void set_text(const char* point, const std::string& s) {
        const PointDef* p = find_point(def->point_list(), point);
        for (int w = 0; w < p->size; ++w) {
            auto byte = [&](std::size_t i) -> std::uint16_t {
                return i < s.size() ? static_cast<unsigned char>(s[i]) : 0;
            };
            regs[p->offset + w] = static_cast<std::uint16_t>((byte(2 * w) << 8) | byte(2 * w + 1));
        }
    }
    DecodedModel decode() const {
        auto r = decode_model(regs);
        REQUIRE(r.has_value());
        return std::move(r).value();
    }
};

std::uint16_t s16(int v) { return static_cast<std::uint16_t>(static_cast<std::int16_t>(v)); }

}  // namespace

TEST_CASE("sunspec tables hold the supported models with consistent offsets", "[sunspec]") {
    for (std::uint16_t id : {1, 101, 102, 103, 111, 112, 113, 120, 121, 123, 160, 201, 202, 203,
                             204, 211, 212, 213, 214}) {
        const ModelDef* m = find_model(id);
        REQUIRE(m != nullptr);
        int next = 0;
        for (const auto& p : m->point_list()) {
            CHECK(p.offset == next);
            next += p.size;
        }
        CHECK(next == m->fixed_length);
    }
    CHECK(find_model(1)->fixed_length == 68);
    CHECK(find_model(103)->fixed_length == 52);
    CHECK(find_model(113)->fixed_length == 62);
    CHECK(find_model(203)->fixed_length == 107);
    CHECK(find_model(213)->fixed_length == 126);
    REQUIRE(find_model(160)->repeating != nullptr);
    CHECK(std::string(find_model(160)->repeating->name) == "module");
    CHECK(find_model(160)->repeating->length == 20);
    CHECK(find_point(find_model(103)->point_list(), "W")->offset == 14);
    CHECK(find_point(find_model(123)->point_list(), "WMaxLimPct")->offset == 5);
    CHECK(find_model(999) == nullptr);
}

TEST_CASE("sunspec decoder: raw values of every type and their sentinels", "[sunspec]") {
    auto one = [](PointType t, std::vector<std::uint16_t> r) { return decode_raw_number(t, r); };
    CHECK(one(PointType::int16, {s16(-1234)}) == -1234);
    CHECK_FALSE(one(PointType::int16, {0x8000}));
    CHECK(one(PointType::uint16, {0xFFFE}) == 65534);
    CHECK_FALSE(one(PointType::uint16, {0xFFFF}));
    CHECK(one(PointType::count, {3}) == 3);
    CHECK(one(PointType::acc16, {7}) == 7);
    CHECK_FALSE(one(PointType::acc16, {0}));
    CHECK(one(PointType::acc32, {0x0001, 0x0002}) == 65538);
    CHECK_FALSE(one(PointType::acc32, {0, 0}));
    CHECK(one(PointType::int32, {0xFFFF, 0xFFFE}) == -2);
    CHECK_FALSE(one(PointType::int32, {0x8000, 0x0000}));
    CHECK(one(PointType::uint32, {0x1234, 0x5678}) == 0x12345678);
    CHECK_FALSE(one(PointType::uint32, {0xFFFF, 0xFFFF}));
    CHECK(one(PointType::enum16, {5}) == 5);
    CHECK_FALSE(one(PointType::enum16, {0xFFFF}));
    CHECK(one(PointType::enum32, {0, 9}) == 9);
    CHECK_FALSE(one(PointType::enum32, {0xFFFF, 0xFFFF}));
    CHECK(one(PointType::bitfield16, {0x0081}) == 0x81);
    CHECK_FALSE(one(PointType::bitfield16, {0xFFFF}));
    CHECK(one(PointType::bitfield32, {0x0001, 0x0000}) == 65536);
    CHECK_FALSE(one(PointType::bitfield32, {0xFFFF, 0xFFFF}));
    CHECK(one(PointType::sunssf, {s16(-2)}) == -2);
    CHECK_FALSE(one(PointType::sunssf, {0x8000}));
    // float32: high word first. 1234.5f = 0x449A5000.
    CHECK(one(PointType::float32, {0x449A, 0x5000}) == 1234.5);
    CHECK(one(PointType::float32, {0x5000, 0x449A}) != 1234.5);
    CHECK_FALSE(one(PointType::float32, {0x7FC0, 0x0000}));
    CHECK_FALSE(one(PointType::float32, {0x7F80, 0x0000}));   // infinity is no reading either
    CHECK_FALSE(one(PointType::pad, {0}));
}

TEST_CASE("sunspec decoder: strings are trimmed of NULs and spaces, kept printable", "[sunspec]") {
    CHECK(decode_string(std::vector<std::uint16_t>{0x2041, 0x4243, 0x2020, 0x0000}) == "ABC");
    CHECK(decode_string(std::vector<std::uint16_t>{0x0000, 0x4142}) == "");
    CHECK(decode_string(std::vector<std::uint16_t>{0x4101, 0xFF42}) == "A??B");
    CHECK(decode_string(std::vector<std::uint16_t>{0x2020, 0x2020}) == "");
}

TEST_CASE("sunspec decoder: model 103 with scale factors and sentinels", "[sunspec]") {
    Image im(103, 50);
    for (const auto& p : im.def->point_list()) {
        // Start from "not implemented" everywhere.
        if (p.type == PointType::int16 || p.type == PointType::sunssf) im.regs[p.offset] = 0x8000;
        if (p.type == PointType::uint16 || p.type == PointType::enum16) im.regs[p.offset] = 0xFFFF;
        if (p.type == PointType::bitfield32) im.set32(p.name, 0xFFFFFFFF);
    }
    im.regs[0] = 103;
    im.regs[1] = 50;
    im.set("W", s16(1234));
    im.set("W_SF", s16(1));
    im.set("Hz", 4998);
    im.set("Hz_SF", s16(-2));
    im.set("A", 1000);            // A_SF stays 0x8000: A is absent
    im.set32("WH", 0x00010000);
    im.set("WH_SF", 0);
    im.set("St", 5);
    im.set32("Evt1", 0x00000080);
    auto m = im.decode();
    CHECK(m.number("W") == 12340);
    CHECK(m.number("Hz") == Approx(49.98));
    CHECK_FALSE(m.number("A"));
    CHECK(m.number("WH") == 65536);
    CHECK(m.number("St") == 5);
    CHECK(m.number("Evt1") == 128);
    CHECK_FALSE(m.number("DCW"));
    CHECK(m.number("W_SF") == 1);
    auto j = to_json(m);
    CHECK(j["W"] == 12340);
    CHECK(j["Hz"].get<double>() == Approx(49.98));
    CHECK(j["A"].is_null());
    CHECK(j["DCW"].is_null());
    CHECK(j["St"] == 5);
}

TEST_CASE("sunspec decoder: a scale factor out of range makes the value absent", "[sunspec]") {
    Image im(120, 26);
    im.set("WRtg", 5000);
    im.set("WRtg_SF", s16(300));
    CHECK_FALSE(im.decode().number("WRtg"));
    im.set("WRtg_SF", s16(3));
    CHECK(im.decode().number("WRtg") == 5000000);
}

TEST_CASE("sunspec decoder: float model 113 needs no scale factors", "[sunspec]") {
    Image im(113, 60);
    im.setf("W", 2500.25f);
    im.setf("Hz", 50.02f);
    im.setf("DCW", std::nanf(""));
    im.set("St", 4);
    auto m = im.decode();
    CHECK(m.number("W") == 2500.25);
    CHECK_FALSE(m.number("DCW"));
    auto j = to_json(m);
    CHECK(j["Hz"].get<double>() == 50.02);   // the float's shortest form, not 50.0200004577...
    CHECK(j["DCW"].is_null());
}

TEST_CASE("sunspec decoder: model 1 with L=66 and with L=65", "[sunspec]") {
    for (std::uint16_t length : {66, 65}) {
        Image im(1, length);
        im.set_text("Mn", "SolarCo");
        im.set_text("Md", "  Inverter 5k  ");
        im.set_text("SN", "123");
        im.set("DA", 1);
        auto m = im.decode();
        CHECK(m.text("Mn") == "SolarCo");
        CHECK(m.text("Md") == "Inverter 5k");
        CHECK(m.text("Opt") == "");
        CHECK(m.number("DA") == 1);
        auto j = to_json(m);
        CHECK(j["SN"] == "123");
        CHECK_FALSE(j.contains("Pad"));
        bool has_pad = false;
        for (const auto& d : m.points) has_pad |= std::string(d.def->name) == "Pad";
        CHECK(has_pad == (length == 66));
    }
}

TEST_CASE("sunspec decoder: model 160 repeating modules", "[sunspec]") {
    const int n = 3;
    Image im(160, static_cast<std::uint16_t>(8 + 20 * n));
    im.set("DCW_SF", s16(-1));
    im.set("DCV_SF", 0);
    im.set("N", n);
    for (int k = 0; k < n; ++k) {
        int start = 10 + 20 * k;
        im.regs[start + 0] = static_cast<std::uint16_t>(k + 1);   // ID
        im.regs[start + 11] = static_cast<std::uint16_t>(10000 + k);   // DCW
        im.regs[start + 10] = 0xFFFF;   // DCV not implemented
    }
    auto m = im.decode();
    REQUIRE(m.groups.size() == n);
    CHECK(number(m.groups[0], "DCW") == Approx(1000.0));
    CHECK(number(m.groups[2], "DCW") == Approx(1000.2));
    CHECK(number(m.groups[1], "ID") == 2);
    CHECK_FALSE(number(m.groups[1], "DCV"));
    auto j = to_json(m);
    REQUIRE(j["module"].is_array());
    CHECK(j["module"].size() == n);
    CHECK(j["module"][1]["DCW"].get<double>() == Approx(1000.1));
    CHECK(j["module"][1]["DCV"].is_null());
    CHECK(j["N"] == n);
}

TEST_CASE("sunspec decoder: hostile images are errors, not crashes", "[sunspec]") {
    std::vector<std::uint16_t> short_model = {103, 50, 0, 0};
    auto r = decode_model(short_model);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == hashsink::ErrorCode::protocol);
    std::vector<std::uint16_t> unknown = {64001, 0};
    CHECK(decode_model(unknown).error().code == hashsink::ErrorCode::unsupported);
    CHECK_FALSE(decode_model(std::vector<std::uint16_t>{}).has_value());
    // A model shorter than its table decodes the points that fit.
    std::vector<std::uint16_t> tiny = {103, 2, 10, 10};
    auto t = decode_model(tiny);
    REQUIRE(t.has_value());
    CHECK(t->number("L") == 2);
    CHECK_FALSE(t->number("A"));   // its scale factor lies beyond L
}
