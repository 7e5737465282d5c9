// Modbus RTU through a pseudo-terminal pair made by socat, with the register emulator on the far
// end: several units on one bus sharing one connection, pacing, a silent unit and a silent line.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <thread>

#include "adapters/sensors/modbus_profile_source.hpp"
#include "emulators/sensors/modbus_register_emulator.hpp"
#include "adapters/sensors/profiles/profile_catalog.hpp"
#include "tests/support/process.hpp"
#include "tests/support/readings.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace hashsink::sensors;
using hashsink::transport::RegisterTable;
using Steady = std::chrono::steady_clock;
using test::values;

namespace {

bool exists(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0;
}

// A pty pair: a and b are the two ends' symlinks.
struct PtyPair {
    std::string dir = test::temp_dir();
    std::string a = dir + "/a";
    std::string b = dir + "/b";
    std::unique_ptr<test::Child> socat;

    PtyPair() {
        socat = std::make_unique<test::Child>(
            std::vector<std::string>{"/usr/bin/socat", "-d", "-d", "pty,raw,echo=0,link=" + a,
                                     "pty,raw,echo=0,link=" + b},
            dir + "/socat.log");
        auto until = Steady::now() + std::chrono::seconds(10);
        while (!(exists(a) && exists(b)) && Steady::now() < until)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    bool ready() const { return exists(a) && exists(b); }
};

// A pty line with a DSE genset emulated as unit 10 on the far end, producing 30 kW.
struct GensetLine {
    PtyPair pty;
    RegisterEmulator emu{{.device = pty.b, .baud = 19200, .stop_bits = 1, .units = {10}}};

    GensetLine() {
        REQUIRE(pty.ready());
        auto p = profiles::load_profile("dse_gencomm", "/nonexistent-profile-dir");
        REQUIRE(emu.start().ok());
        REQUIRE(emu.set_point(10, *p, "total_power", 30000).ok());
    }
};

ModbusSourceConfig rtu_config(const std::string& device, int unit, Duration pace = Duration{5}) {
    ModbusSourceConfig c;
    c.profile = "dse_gencomm";
    c.profile_dir = "/nonexistent-profile-dir";
    c.endpoint.device = device;
    c.endpoint.unit = unit;
    c.endpoint.baud = 19200;
    c.endpoint.parity = 'N';
    c.endpoint.data_bits = 8;
    c.endpoint.stop_bits = 1;
    c.endpoint.response_timeout = Duration{300};
    c.endpoint.pace = pace;
    return c;
}

}  // namespace

TEST_CASE("RTU: two gensets on one bus, one shared connection, paced requests", "[modbus][rtu]") {
    PtyPair pty;
    REQUIRE(pty.ready());
    auto p = profiles::load_profile("dse_gencomm", "/nonexistent-profile-dir");
    REQUIRE(p.has_value());
    RegisterEmulator emu({.device = pty.b, .baud = 19200, .stop_bits = 1, .units = {10, 11}});
    REQUIRE(emu.start().ok());
    REQUIRE(emu.set_point(10, *p, "total_power", 48000).ok());
    REQUIRE(emu.set_point(10, *p, "frequency", 50.1).ok());
    REQUIRE(emu.set_point(11, *p, "total_power", 51000).ok());
    REQUIRE(emu.set_point(11, *p, "frequency", 49.8).ok());

    ModbusProfileSource g1("g1", rtu_config(pty.a, 10, Duration{40}));
    ModbusProfileSource g2("g2", rtu_config(pty.a, 11, Duration{40}));
    Accumulator a1, a2;
    auto start = Steady::now();
    auto s1 = g1.collect(TimePoint{}, a1);
    auto s2 = g2.collect(TimePoint{}, a2);
    auto took = Steady::now() - start;
    INFO(s1.message << " / " << s2.message);
    REQUIRE(s1.ok());
    REQUIRE(s2.ok());
    CHECK(values(a1)["genset.power_w"] == 48000);
    CHECK(values(a1)["genset.frequency_hz"] == Approx(50.1));
    CHECK(values(a2)["genset.power_w"] == 51000);
    CHECK(values(a2)["genset.frequency_hz"] == Approx(49.8));
    // Both sources used one link, so its pacing covers both: n requests, n-1 gaps of 40 ms.
    const auto requests = emu.requests();
    CHECK(requests >= 8);
    CHECK(took >= std::chrono::milliseconds(40) * static_cast<int>(requests - 1));
    auto units = emu.request_units();
    CHECK(std::count(units.begin(), units.end(), 10) > 0);
    CHECK(std::count(units.begin(), units.end(), 11) > 0);
}

TEST_CASE("RTU: a silent unit times out without closing the bus for the others", "[modbus][rtu]") {
    GensetLine line;
    ModbusProfileSource present("present", rtu_config(line.pty.a, 10));
    ModbusProfileSource absent("absent", rtu_config(line.pty.a, 12));
    Accumulator acc;
    auto start = Steady::now();
    auto st = absent.collect(TimePoint{}, acc);
    CHECK_FALSE(st.ok());
    CHECK(st.code == ErrorCode::timeout);
    CHECK(values(acc).empty());
    CHECK(Steady::now() - start < std::chrono::seconds(3));
    acc.clear();
    st = present.collect(TimePoint{}, acc);
    INFO(st.message);
    REQUIRE(st.ok());
    CHECK(values(acc)["genset.power_w"] == 30000);
}

TEST_CASE("RTU: a line that goes silent fails within the deadline, then recovers",
          "[modbus][rtu]") {
    GensetLine line;
    ModbusProfileSource genset("genset", rtu_config(line.pty.a, 10));
    Accumulator acc;
    REQUIRE(genset.collect(TimePoint{}, acc).ok());
    for (auto fault : {EmulatorFault::silent, EmulatorFault::garbage}) {
        line.emu.set_fault(fault);
        acc.clear();
        auto start = Steady::now();
        auto st = genset.collect(TimePoint{}, acc);
        INFO(st.message);
        CHECK_FALSE(st.ok());
        CHECK(values(acc).empty());
        CHECK(Steady::now() - start <
              std::chrono::milliseconds(300 * ModbusProfileSource::kBudgetFactor + 1500));
    }
    line.emu.set_fault(EmulatorFault::none);
    CHECK(test::eventually(
        [&] {
            acc.clear();
            return genset.collect(TimePoint{}, acc).ok();
        },
        std::chrono::seconds(20), std::chrono::milliseconds(100)));
    CHECK(values(acc)["genset.power_w"] == 30000);
}
