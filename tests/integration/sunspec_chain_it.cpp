// Chain walking and the Modbus client against the libmodbus emulator.
#include <catch2/catch.hpp>

#include "adapters/sensors/sunspec/chain.hpp"
#include "emulators/sensors/sunspec_emulator.hpp"
#include "adapters/transport/modbus_client.hpp"
#include "tests/support/net.hpp"

using namespace hashsink;
using namespace hashsink::sensors::sunspec;

namespace {

transport::ModbusClient client_for(int port) {
    return transport::ModbusClient({"127.0.0.1", port, 1, Duration{1000}});
}

// A client of `emu`, started.
transport::ModbusClient started_client(SunspecEmulator& emu) {
    REQUIRE(emu.start().ok());
    return client_for(emu.port());
}

// The chain `client` finds where the base is searched for.
Chain walked(transport::ModbusClient& client) {
    auto chain = walk_chain(client);
    REQUIRE(chain.has_value());
    return *chain;
}

std::vector<std::uint16_t> ids(const Chain& c) {
    std::vector<std::uint16_t> out;
    for (const auto& m : c.models) out.push_back(m.id);
    return out;
}

}  // namespace

TEST_CASE("sunspec chain: base 40000, int models, model 1 with L=66", "[sunspec]") {
    SunspecEmulator emu;
    auto client = started_client(emu);
    const Chain chain = walked(client);
    CHECK(chain.base == 40000);
    CHECK(ids(chain) == std::vector<std::uint16_t>{1, 103, 120, 121, 123, 160, 203});
    // The worked example of a 66-register common block with 160 N=2.
    CHECK(chain.models[0].length == 66);
    CHECK(chain.find(103)->address == 40070);
    CHECK(chain.find(120)->address == 40122);
    CHECK(chain.find(121)->address == 40150);
    CHECK(chain.find(123)->address == 40182);
    CHECK(chain.find(160)->address == 40208);
    CHECK(chain.find(160)->length == 48);
    CHECK(emu.address_of(103, "W") == 40084);

    InverterImage im;
    im.ac_power_w = 2500;
    im.ac_voltage_v = 231.4;
    im.frequency_hz = 50.03;
    im.mppt_dc_w = {1400, 1200};
    emu.update(im);
    auto models = read_models(client, chain.models);
    REQUIRE(models.has_value());
    CHECK(models->size() == 7);
    const auto& inv = models->at(40070);
    CHECK(inv.number("W") == 2500);
    CHECK(inv.number("Hz") == Approx(50.03));
    CHECK(inv.number("PhVphA") == Approx(231.4));
    CHECK(models->at(40208).groups.size() == 2);
}

TEST_CASE("sunspec chain: base 50000, float models, model 1 with L=65", "[sunspec]") {
    EmulatorOptions o;
    o.base_address = 50000;
    o.common_length = 65;
    o.float_models = true;
    o.mppt_count = 3;
    SunspecEmulator emu(o);
    auto client = started_client(emu);
    const Chain chain = walked(client);
    CHECK(chain.base == 50000);
    CHECK(ids(chain) == std::vector<std::uint16_t>{1, 113, 120, 121, 123, 160, 213});
    CHECK(chain.models[0].length == 65);
    CHECK(chain.find(113)->address == 50069);
    InverterImage im;
    im.ac_power_w = 1234.5;
    im.grid_power_w = -700.25;
    emu.update(im);
    auto models = read_models(client, chain.models);
    REQUIRE(models.has_value());
    CHECK(models->at(50069).number("W") == 1234.5);
    CHECK(models->at(chain.find(213)->address).number("W") == -700.25);
    CHECK(models->at(chain.find(160)->address).groups.size() == 3);
}

TEST_CASE("sunspec chain: base 0 is found after 40000 and 50000 answer with exceptions",
          "[sunspec]") {
    EmulatorOptions o;
    o.base_address = 0;
    o.include_meter = false;
    SunspecEmulator emu(o);
    auto client = started_client(emu);
    const Chain chain = walked(client);
    CHECK(chain.base == 0);
    CHECK(chain.find(203) == nullptr);
    auto wrong = walk_chain(client, 40000);
    REQUIRE_FALSE(wrong.has_value());
    CHECK(wrong.error().code == ErrorCode::unsupported);
}

TEST_CASE("sunspec modbus client: errors are values with clear messages", "[sunspec]") {
    int port = test::free_port();
    auto client = client_for(port);
    auto r = client.read_holding_registers(40000, 2);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code == ErrorCode::unreachable);
    CHECK(r.error().message ==
          "modbus 127.0.0.1:" + std::to_string(port) + ": read 40000+2: Connection refused");
    // Backoff: the next attempt comes later, without touching the network.
    auto again = client.read_holding_registers(40000, 2);
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().message.find("next attempt in") != std::string::npos);
}

TEST_CASE("sunspec modbus client: long reads are split, exceptions are rejections", "[sunspec]") {
    SunspecEmulator emu;
    auto client = started_client(emu);
    auto all = client.read_holding_registers(40000, 300);   // 125 + 125 + 50
    REQUIRE(all.has_value());
    CHECK((*all)[0] == kMarkerHigh);
    CHECK((*all)[70] == 103);
    auto outside = client.read_holding_registers(30000, 2);
    REQUIRE_FALSE(outside.has_value());
    CHECK(outside.error().code == ErrorCode::rejected);
    // The connection survives an exception.
    CHECK(client.read_holding_registers(40000, 2).has_value());
}

TEST_CASE("sunspec emulator: accepts model 123 limit writes, rejects others", "[sunspec]") {
    SunspecEmulator emu;
    auto client = started_client(emu);
    int pct = emu.address_of(123, "WMaxLimPct");
    int ena = emu.address_of(123, "WMaxLim_Ena");
    CHECK(emu.limit_pct() == 100);
    CHECK_FALSE(emu.limit_enabled());
    REQUIRE(client.write_register(pct, 40).ok());
    REQUIRE(client.write_registers(ena, {1}).ok());
    CHECK(emu.limit_pct() == 40);
    CHECK(emu.limit_enabled());
    auto w = client.write_register(emu.address_of(121, "WMax"), 1);
    CHECK(w.code == ErrorCode::rejected);
    CHECK(client.write_register(pct, 250).code == ErrorCode::rejected);
    CHECK(client.write_registers(pct, {50, 1, 7}).code == ErrorCode::rejected);
    CHECK(emu.limit_pct() == 40);
    // The limit shows in what the emulator serves.
    InverterImage im;
    im.ac_power_w = 4000;
    im.wmax_w = 5000;
    emu.update(im);
    auto chain = walk_chain(client);
    REQUIRE(chain.has_value());
    auto models = read_models(client, {*chain->find(103)});
    REQUIRE(models.has_value());
    CHECK(models->begin()->second.number("W") == 2000);
    CHECK(models->begin()->second.number("St") == 5);
}

TEST_CASE("sunspec emulator: serves several clients at once", "[sunspec]") {
    SunspecEmulator emu;
    REQUIRE(emu.start().ok());
    auto a = client_for(emu.port());
    auto b = client_for(emu.port());
    for (int i = 0; i < 5; ++i) {
        REQUIRE(a.read_holding_registers(40000, 2).has_value());
        REQUIRE(b.read_holding_registers(40002, 2).has_value());
    }
    CHECK(a.connection_count() == 1);
    CHECK(b.connection_count() == 1);
}
