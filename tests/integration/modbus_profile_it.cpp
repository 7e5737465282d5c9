// Modbus profiles over TCP against the project's register emulator: every shipped profile
// decodes to the values written, faulty devices (exceptions, garbage, silence) are reported
// without wrong numbers, sources share one connection, and `probe modbus` prints JSON.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "adapters/sensors/modbus_profile_source.hpp"
#include "emulators/sensors/modbus_register_emulator.hpp"
#include "adapters/sensors/profiles/profile_catalog.hpp"
#include "adapters/sensors/registry.hpp"
#include "tests/support/process.hpp"
#include "tests/support/readings.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace hashsink::sensors;
using hashsink::transport::RegisterTable;
using Steady = std::chrono::steady_clock;
using test::rejections;
using test::values;

namespace {

// Writes a plausible raw value into every point and returns the signals a correct decoder must
// produce from them.
std::map<std::string, double> fill(RegisterEmulator& emu, int unit, const profiles::Profile& p) {
    std::map<std::string, double> expected;
    // Scale factors first: -1 (tenths).
    for (const auto& pt : p.points)
        if (!pt.scale_point.empty())
            if (const auto* sf = p.find(pt.scale_point))
                emu.set_registers(unit, sf->table, sf->address, {0xFFFF});
    for (const auto& pt : p.points) {
        bool is_sf = false;
        for (const auto& other : p.points) is_sf |= other.scale_point == pt.name;
        if (is_sf) continue;
        double physical = 0;
        if (pt.type == profiles::PointType::nibbles) {
            std::vector<std::uint16_t> words(static_cast<std::size_t>(pt.count), 0x1111);
            words[0] = static_cast<std::uint16_t>(0x1110 | pt.active_codes.front());
            emu.set_registers(unit, pt.table, pt.address, words);
            physical = 1;
        } else {
            double exponent = pt.scale_point.empty() ? 0 : -1;
            for (double raw : {42.0, 5.0, 1.0}) {
                physical = raw * pt.scale * pt.sign * std::pow(10.0, exponent);
                if ((!pt.min || physical >= *pt.min) && (!pt.max || physical <= *pt.max)) break;
            }
            REQUIRE(emu.set_point(unit, p, pt.name, physical).ok());
        }
        if (pt.nonzero) physical = physical != 0 ? 1 : 0;
        if (!pt.signal.empty()) expected[pt.signal] += physical;
    }
    return expected;
}

ModbusSourceConfig tcp_config(const std::string& profile, int port, int unit = 0) {
    ModbusSourceConfig c;
    c.profile = profile;
    c.profile_dir = "/nonexistent-profile-dir";
    c.endpoint.host = "127.0.0.1";
    c.endpoint.port = port;
    c.endpoint.unit = unit;
    c.endpoint.response_timeout = Duration{500};
    c.endpoint.pace = Duration{0};
    return c;
}

}  // namespace

TEST_CASE("every shipped profile decodes the values the emulator serves", "[modbus]") {
    for (const auto& e : profiles::embedded_profiles()) {
        INFO(e.name);
        auto p = profiles::load_profile(e.name, "/nonexistent-profile-dir");
        REQUIRE(p.has_value());
        RegisterEmulator emu({.units = {p->unit}});
        REQUIRE(emu.start().ok());
        auto expected = fill(emu, p->unit, *p);
        REQUIRE_FALSE(expected.empty());
        ModbusProfileSource source("dev", tcp_config(e.name, emu.port()));
        Accumulator acc;
        auto st = source.collect(TimePoint{}, acc);
        INFO(st.message);
        REQUIRE(st.ok());
        auto got = values(acc);
        CHECK(rejections(acc).empty());
        for (const auto& [signal, value] : expected) {
            INFO(signal);
            REQUIRE(got.count(signal) == 1);
            CHECK(got[signal] == Approx(value).margin(1e-9));
        }
    }
}

TEST_CASE("a sentinel or out-of-range register is withheld with a reason, the rest pass",
          "[modbus]") {
    auto p = profiles::load_profile("dse_gencomm", "/nonexistent-profile-dir");
    REQUIRE(p.has_value());
    RegisterEmulator emu({.units = {10}});
    REQUIRE(emu.start().ok());
    fill(emu, 10, *p);
    emu.set_registers(10, RegisterTable::holding, 1024, {0xFFFC});  // oil sender open
    emu.set_registers(10, RegisterTable::holding, 1031, {2000});    // 200 Hz: impossible
    ModbusProfileSource source("genset", tcp_config("dse_gencomm", emu.port()));
    Accumulator acc;
    REQUIRE(source.collect(TimePoint{}, acc).ok());
    auto got = values(acc);
    auto why = rejections(acc);
    CHECK(got.count("genset.oil_pressure_kpa") == 0);
    CHECK_THAT(why["genset.oil_pressure_kpa"], Catch::Contains("sentinel 0xFFFC"));
    CHECK(got.count("genset.frequency_hz") == 0);
    CHECK_THAT(why["genset.frequency_hz"], Catch::Contains("out of range"));
    CHECK(got.count("genset.power_w") == 1);
}

TEST_CASE("Modbus exceptions mark the refused points, all refused is an error", "[modbus]") {
    RegisterEmulator emu({.units = {100}});
    REQUIRE(emu.start().ok());
    auto p = profiles::load_profile("victron_gx", "/nonexistent-profile-dir");
    fill(emu, 100, *p);
    emu.set_exception(100, RegisterTable::holding, 843, 2);  // SoC block: illegal address
    ModbusProfileSource source("gx", tcp_config("victron_gx", emu.port()));
    Accumulator acc;
    REQUIRE(source.collect(TimePoint{}, acc).ok());
    CHECK(values(acc).count("battery.soc_pct") == 0);
    CHECK_THAT(rejections(acc)["battery.soc_pct"], Catch::Contains("refused"));
    for (int a : {808, 820}) emu.set_exception(100, RegisterTable::holding, a, 2);
    acc.clear();
    auto st = source.collect(TimePoint{}, acc);
    CHECK_FALSE(st.ok());
    CHECK(st.code == ErrorCode::rejected);
    CHECK(values(acc).empty());
}

TEST_CASE("garbage answers and a silent device fail within the deadline, with no values",
          "[modbus]") {
    auto p = profiles::load_profile("huawei_sun2000", "/nonexistent-profile-dir");
    for (auto fault : {EmulatorFault::garbage, EmulatorFault::silent}) {
        RegisterEmulator emu({.units = {1}});
        REQUIRE(emu.start().ok());
        fill(emu, 1, *p);
        ModbusProfileSource source("inv", tcp_config("huawei_sun2000", emu.port()));
        Accumulator acc;
        REQUIRE(source.collect(TimePoint{}, acc).ok());
        emu.set_fault(fault);
        acc.clear();
        const auto before = emu.requests();
        auto start = Steady::now();
        auto st = source.collect(TimePoint{}, acc);
        auto took = Steady::now() - start;
        INFO(st.message);
        CHECK(emu.requests() > before);  // the device was really asked
        CHECK_FALSE(st.ok());
        CHECK((st.code == ErrorCode::timeout || st.code == ErrorCode::protocol));
        CHECK(values(acc).empty());
        CHECK(took < std::chrono::milliseconds(500 * ModbusProfileSource::kBudgetFactor + 1000));
        // The device recovers: the source reconnects (after its backoff) and reads again.
        emu.set_fault(EmulatorFault::none);
        CHECK(test::eventually(
            [&] {
                acc.clear();
                return source.collect(TimePoint{}, acc).ok() &&
                       values(acc).count("pv.ac_power_w") == 1;
            },
            std::chrono::seconds(20), std::chrono::milliseconds(200)));
    }
}

TEST_CASE("sources on one device share one connection, one request at a time", "[modbus]") {
    RegisterEmulator emu({.units = {1, 2}});
    REQUIRE(emu.start().ok());
    auto p = profiles::load_profile("huawei_sun2000", "/nonexistent-profile-dir");
    fill(emu, 1, *p);
    fill(emu, 2, *p);
    ModbusProfileSource a("a", tcp_config("huawei_sun2000", emu.port(), 1));
    ModbusProfileSource b("b", tcp_config("huawei_sun2000", emu.port(), 2));
    std::atomic<int> failures{0};
    auto worker = [&](ModbusProfileSource& s) {
        for (int i = 0; i < 20; ++i) {
            Accumulator acc;
            if (!s.collect(TimePoint{}, acc).ok() || values(acc).count("pv.ac_power_w") != 1)
                ++failures;
        }
    };
    std::thread ta(worker, std::ref(a)), tb(worker, std::ref(b));
    ta.join();
    tb.join();
    CHECK(failures == 0);
    auto units = emu.request_units();
    CHECK(std::count(units.begin(), units.end(), 1) > 0);
    CHECK(std::count(units.begin(), units.end(), 2) > 0);
    // One shared link for both endpoints.
    auto la = transport::shared_modbus_link({.host = "127.0.0.1", .port = emu.port(), .unit = 1});
    auto lb = transport::shared_modbus_link({.host = "127.0.0.1", .port = emu.port(), .unit = 2});
    REQUIRE(la.has_value());
    CHECK(la->get() == lb->get());
}

TEST_CASE("a bad profile name or missing address is a clear error, not a crash", "[modbus]") {
    ModbusProfileSource unknown("x", tcp_config("no_such_profile", 1));
    Accumulator acc;
    auto st = unknown.collect(TimePoint{}, acc);
    CHECK_THAT(st.message, Catch::Contains("modbus x: profile 'no_such_profile'"));
    auto cfg = tcp_config("victron_gx", 1);
    cfg.endpoint.host.clear();
    ModbusProfileSource nowhere("y", cfg);
    CHECK_THAT(nowhere.collect(TimePoint{}, acc).message,
               Catch::Contains("exactly one of host and device"));
    const auto* type = find_source_type("modbus");
    REQUIRE(type != nullptr);
}

TEST_CASE("probe modbus prints every point and signal as JSON", "[modbus]") {
    RegisterEmulator emu({.units = {10}});
    REQUIRE(emu.start().ok());
    auto p = profiles::load_profile("dse_gencomm", "/nonexistent-profile-dir");
    fill(emu, 10, *p);
    REQUIRE(emu.set_point(10, *p, "total_power", 61500).ok());
    emu.set_registers(10, RegisterTable::holding, 1024, {0xFFFC});
    auto r = test::run({HASHSINK_BINARY, "probe", "modbus", "--profile", "dse_gencomm",
                        "--profile-dir", "/nonexistent-profile-dir", "--host", "127.0.0.1",
                        "--port", std::to_string(emu.port())});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["profile"] == "dse_gencomm");
    CHECK(j["unit"] == 10);
    CHECK(j["points"]["total_power"]["value"] == 61500.0);
    CHECK(j["points"]["total_power"]["unit"] == "W");
    CHECK(j["points"]["oil_pressure"]["value"].is_null());
    CHECK_THAT(j["points"]["oil_pressure"]["problem"].get<std::string>(),
               Catch::Contains("0xFFFC"));
    CHECK(j["signals"]["genset.power_w"] == 61500.0);

    auto usage = test::run({HASHSINK_BINARY, "probe", "modbus", "--profile", "dse_gencomm"});
    CHECK(usage.exit_code == 64);
    auto dead = test::run({HASHSINK_BINARY, "probe", "modbus", "--profile", "victron_gx", "--host",
                           "127.0.0.1", "--port", "1", "--timeout", "300ms"});
    CHECK(dead.exit_code == 69);
}
