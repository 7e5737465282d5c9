// SunspecSource against the emulator and against misbehaving peers.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "adapters/sensors/registry.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "adapters/sensors/sunspec/sunspec_source.hpp"
#include "daemon/core/snapshot.hpp"
#include "tests/support/net.hpp"
#include "tests/support/process.hpp"
#include "tests/support/readings.hpp"
#include "tests/support/wait.hpp"

using namespace hashsink;
using namespace hashsink::sensors::sunspec;
using Steady = std::chrono::steady_clock;
using test::values;

namespace {

SourceConfig config_for(int port, Duration timeout = Duration{1000}) {
    SourceConfig c = SunspecSource::config_from(Options{});  // the declared defaults
    c.host = "127.0.0.1";
    c.port = port;
    c.timeout = timeout;
    return c;
}

InverterImage sample_image() {
    InverterImage im;
    im.ac_power_w = 3200;
    im.dc_power_w = 3350;
    im.mppt_dc_w = {1800, 1550};
    im.rating_w = 6000;
    im.wmax_w = 5000;
    im.state = InverterState::mppt;
    im.grid_power_w = -1200;
    return im;
}

// A listening socket nobody ever serves: connects succeed (backlog), requests go unanswered.
struct BlackHole {
    int fd = -1;
    int port = 0;
    BlackHole() { fd = test::listen_loopback(port); }
    ~BlackHole() { ::close(fd); }
};

// Answers every request with bytes that are not Modbus.
struct GarbageServer {
    BlackHole listener;
    std::atomic<bool> stop{false};
    std::thread thread;
    GarbageServer() {
        thread = std::thread([this] {
            std::vector<int> clients;
            while (!stop) {
                std::vector<pollfd> fds{{listener.fd, POLLIN, 0}};
                for (int c : clients) fds.push_back({c, POLLIN, 0});
                if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
                if (fds[0].revents & POLLIN) clients.push_back(::accept(listener.fd, nullptr, nullptr));
                for (std::size_t i = 1; i < fds.size(); ++i) {
                    if (!(fds[i].revents & POLLIN)) continue;
                    char buf[260];
                    if (::read(fds[i].fd, buf, sizeof buf) <= 0) continue;
                    const char junk[] = "\x00\x01\x00\x00\x00\x05\x01\x03\xFFHELLO garbage";
                    (void)!::write(fds[i].fd, junk, sizeof junk - 1);
                }
            }
            for (int c : clients) ::close(c);
        });
    }
    ~GarbageServer() {
        stop = true;
        thread.join();
    }
};

}  // namespace

TEST_CASE("sunspec source: publishes the pv and grid signals", "[sunspec]") {
    SunspecEmulator emu;
    REQUIRE(emu.start().ok());
    emu.update(sample_image());
    SunspecSource source("inv", config_for(emu.port()));
    Accumulator acc;
    auto st = source.collect(TimePoint{}, acc);
    REQUIRE(st.ok());
    auto v = values(acc);
    CHECK(v.at("pv.ac_power_w") == 3200);
    CHECK(v.at("pv.dc_power_w") == 3350);
    CHECK(v.at("pv.rating_w") == 6000);
    CHECK(v.at("pv.limit_w") == 5000);
    CHECK(v.at("pv.limit_active") == 0);
    CHECK(v.at("pv.state") == 4);
    CHECK(v.at("pv.mppt.1.dc_power_w") == 1800);
    CHECK(v.at("pv.mppt.2.dc_power_w") == 1550);
    CHECK(v.at("grid.power_w") == -1200);
}

TEST_CASE("sunspec source: meter sign, limit and float models", "[sunspec]") {
    EmulatorOptions o;
    o.float_models = true;
    o.base_address = 50000;
    o.common_length = 65;
    SunspecEmulator emu(o);
    REQUIRE(emu.start().ok());
    auto im = sample_image();
    emu.update(im);
    auto cfg = config_for(emu.port());
    cfg.meter_sign = -1;
    SunspecSource source("inv", cfg);
    transport::ModbusClient writer({"127.0.0.1", emu.port(), 1, Duration{1000}});
    REQUIRE(writer.write_register(emu.address_of(123, "WMaxLimPct"), 50).ok());
    REQUIRE(writer.write_register(emu.address_of(123, "WMaxLim_Ena"), 1).ok());
    Accumulator acc;
    REQUIRE(source.collect(TimePoint{}, acc).ok());
    auto v = values(acc);
    CHECK(v.at("grid.power_w") == 1200);
    CHECK(v.at("pv.limit_w") == 2500);
    CHECK(v.at("pv.limit_active") == 1);
    CHECK(v.at("pv.ac_power_w") == 2500);      // capped by the emulated inverter
    CHECK(v.at("pv.state") == 5);              // THROTTLED
}

TEST_CASE("sunspec source: meter on its own unit, built through the registry", "[sunspec]") {
    EmulatorOptions o;
    o.meter_unit_id = 2;
    SunspecEmulator emu(o);
    REQUIRE(emu.start().ok());
    auto im = sample_image();
    im.dc_power_w = 0;
    emu.update(im);
    // Options as the config layer builds them.
    const auto* type = sensors::find_source_type("sunspec");
    REQUIRE(type != nullptr);
    Options opts;
    opts.set("host", std::string("127.0.0.1"));
    opts.set("port", std::int64_t{emu.port()});
    opts.set("meter_unit", std::int64_t{2});
    opts.set("timeout", Duration{1000});
    auto source = type->make("inv", with_defaults(type->keys, opts));
    Accumulator acc;
    REQUIRE(source->collect(TimePoint{}, acc).ok());
    auto v = values(acc);
    CHECK(v.at("grid.power_w") == -1200);
    CHECK(v.at("pv.dc_power_w") == 0);
    CHECK(v.at("pv.mppt.1.dc_power_w") == 1800);
}

TEST_CASE("sunspec source: independent device, DC power summed from model 160", "[sunspec]") {
    int port = test::free_port();
    test::Child peer({"/usr/bin/python3", HASHSINK_SOURCE_DIR "/tests/support/sunspec_peer.py",
                      std::to_string(port)});
    REQUIRE(test::wait_for_port(port, std::chrono::seconds(15)));
    SunspecSource source("peer", config_for(port));
    Accumulator acc;
    auto st = source.collect(TimePoint{}, acc);
    INFO(st.message);
    REQUIRE(st.ok());
    auto v = values(acc);
    CHECK(v.at("pv.ac_power_w") == 4321.5);
    CHECK(v.at("pv.dc_power_w") == Approx(4050));
    CHECK(v.at("pv.mppt.1.dc_power_w") == Approx(2100));
    CHECK(v.at("pv.mppt.2.dc_power_w") == Approx(1950));
    CHECK(v.at("pv.rating_w") == 8000);
    CHECK(v.at("pv.limit_w") == 8000);
    CHECK(v.at("pv.limit_active") == 0);
    CHECK(v.at("pv.state") == 5);
    CHECK(v.at("grid.power_w") == 1500);
}

TEST_CASE("sunspec source: reconnects and re-walks after the device restarts", "[sunspec]") {
    auto emu = std::make_unique<SunspecEmulator>();
    REQUIRE(emu->start().ok());
    int port = emu->port();
    emu->update(sample_image());
    SunspecSource source("inv", config_for(port, Duration{300}));
    Accumulator acc;
    REQUIRE(source.collect(TimePoint{}, acc).ok());
    emu.reset();
    acc.clear();
    CHECK_FALSE(source.collect(TimePoint{}, acc).ok());
    // Back with another layout: float models at 50000.
    EmulatorOptions o;
    o.port = port;
    o.base_address = 50000;
    o.float_models = true;
    emu = std::make_unique<SunspecEmulator>(o);
    REQUIRE(emu->start().ok());
    auto im = sample_image();
    im.ac_power_w = 777.5;
    emu->update(im);
    REQUIRE(test::eventually(
        [&] {
            acc.clear();
            return source.collect(TimePoint{}, acc).ok();
        },
        std::chrono::seconds(15), std::chrono::milliseconds(200)));
    CHECK(values(acc).at("pv.ac_power_w") == 777.5);
}

TEST_CASE("sunspec source: a peer that never answers times out within the bound", "[sunspec]") {
    BlackHole hole;
    SunspecSource source("inv", config_for(hole.port, Duration{300}));
    Accumulator acc;
    auto start = Steady::now();
    auto st = source.collect(TimePoint{}, acc);
    auto took = Steady::now() - start;
    CHECK_FALSE(st.ok());
    CHECK(st.code == ErrorCode::timeout);
    CHECK(took < std::chrono::milliseconds(300 * SunspecSource::kBudgetFactor + 300));
    CHECK(st.message.rfind("sunspec inv: modbus 127.0.0.1:", 0) == 0);
    CHECK(acc.values().empty());
}

TEST_CASE("sunspec source: garbage and exceptions are errors, not crashes", "[sunspec]") {
    {
        GarbageServer junk;
        SunspecSource source("inv", config_for(junk.listener.port, Duration{300}));
        Accumulator acc;
        auto start = Steady::now();
        auto st = source.collect(TimePoint{}, acc);
        CHECK_FALSE(st.ok());
        CHECK(Steady::now() - start < std::chrono::seconds(2));
    }
    {
        SunspecEmulator emu;
        REQUIRE(emu.start().ok());
        auto cfg = config_for(emu.port());
        cfg.base_address = 30000;   // nothing there: the device answers with an exception
        SunspecSource source("inv", cfg);
        Accumulator acc;
        auto st = source.collect(TimePoint{}, acc);
        CHECK_FALSE(st.ok());
        CHECK(st.code == ErrorCode::unsupported);
        CHECK(st.message.find("no \"SunS\" at 30000") != std::string::npos);
    }
    {
        SunspecSource source("inv", config_for(test::free_port(), Duration{300}));
        Accumulator acc;
        auto st = source.collect(TimePoint{}, acc);
        CHECK(st.code == ErrorCode::unreachable);
    }
}

TEST_CASE("sunspec emulator: a client stalled mid-request does not block others", "[sunspec]") {
    SunspecEmulator emu;
    REQUIRE(emu.start().ok());
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(emu.port()));
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    const unsigned char half[] = {0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x01};
    REQUIRE(::write(fd, half, sizeof half) == static_cast<ssize_t>(sizeof half));
    transport::ModbusClient other({"127.0.0.1", emu.port(), 1, Duration{2000}});
    auto start = Steady::now();
    CHECK(other.read_holding_registers(40000, 2).has_value());
    CHECK(Steady::now() - start < std::chrono::seconds(1));
    ::close(fd);
}
