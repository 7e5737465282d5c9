// [modbus_server]'s register map without sockets: what a write does or why it is refused, how a
// request frame is read, and the registers a status makes.
#include "daemon/app/modbus_registers.hpp"

#include <catch2/catch.hpp>

using namespace hashsink;
using namespace hashsink::app::modbus_map;

TEST_CASE("modbus registers: the limit is written as a pair and puts itself in force") {
    const Holding none;
    auto w = write(none, 100, {0x0001, 0x86A0});  // 100000 W
    CHECK(w.refusal == Refusal::none);
    CHECK(w.next.limit_w == 100000u);
    CHECK(w.next.enabled);
    // [limit, enable = 0, heartbeat] in one write: stored but not in force.
    w = write(none, 100, {0, 500, 0, 42});
    CHECK(w.refusal == Refusal::none);
    CHECK(w.next.limit_w == 500u);
    CHECK_FALSE(w.next.enabled);
    CHECK(w.next.heartbeat == 42);
    CHECK(write(w.next, 102, {1}).next.enabled);
}

TEST_CASE("modbus registers: refused writes leave the state as it was") {
    Holding h;
    h.limit_w = 300;
    h.enabled = true;
    CHECK(write(h, 100, {1}).refusal == Refusal::illegal_address);       // half the limit
    CHECK(write(h, 101, {1, 1}).refusal == Refusal::illegal_address);    // the other half
    CHECK(write(h, 104, {1}).refusal == Refusal::illegal_address);       // read-only
    CHECK(write(h, 99, {1, 1, 1}).refusal == Refusal::illegal_address);  // below the map
    CHECK(write(h, 0, {1}).refusal == Refusal::illegal_address);
    CHECK(write(h, 102, {2}).refusal == Refusal::illegal_value);
    CHECK(write(h, 100, {0x05F6, 0xE101}).refusal == Refusal::illegal_value);  // 100000001 W
    CHECK(write(Holding{}, 102, {1}).refusal == Refusal::illegal_value);       // nothing to enable
    CHECK(write(h, 100, {0xFFFF, 0xFFFF, 7}).next == h);
}

TEST_CASE("modbus registers: request frames are read by their function and exact length") {
    const std::uint8_t single[] = {0, 1, 0, 0, 0, 6, 1, 0x06, 0, 103, 0, 9};
    auto r = parse_write(single, sizeof single);
    REQUIRE(r);
    CHECK(r->refusal == Refusal::none);
    CHECK(r->address == 103);
    CHECK(r->values == std::vector<std::uint16_t>{9});
    const std::uint8_t multiple[] = {0, 1, 0, 0, 0, 11, 1, 0x10, 0, 100, 0, 2, 4, 0, 1, 0, 2};
    r = parse_write(multiple, sizeof multiple);
    REQUIRE(r);
    CHECK(r->values == std::vector<std::uint16_t>{1, 2});
    // The byte count says 4, only 2 follow.
    const std::uint8_t short_body[] = {0, 1, 0, 0, 0, 9, 1, 0x10, 0, 100, 0, 2, 4, 0, 1};
    CHECK(parse_write(short_body, sizeof short_body)->refusal == Refusal::illegal_value);
    const std::uint8_t read_write[] = {0, 1, 0, 0, 0, 2, 1, 0x17};
    CHECK(parse_write(read_write, sizeof read_write)->refusal == Refusal::illegal_function);
    const std::uint8_t read[] = {0, 1, 0, 0, 0, 6, 1, 0x04, 0, 0, 0, 10};
    CHECK_FALSE(parse_write(read, sizeof read));
}

TEST_CASE("modbus registers: the site block and one block per miner") {
    loop::LoopStatus st;
    st.tick = 7;
    st.planned_w = 1234.4;
    st.measured_w = 70000;
    st.site_limit_w = 1500;
    st.miners.resize(2);
    st.miners[1].online = true;
    st.miners[1].target.run = true;
    st.miners[1].target.power_w = 3000;
    st.miners[1].state = MinerState{};
    st.miners[1].state->state = MinerRunState::mining;
    st.miners[1].state->hashrate_ths = 100.5;
    st.miners[1].state->chip_temp_c = 61.25;
    const auto r = input_registers(&st, st.at);
    REQUIRE(r.size() == 120);
    CHECK(r[0] == kVersion);
    CHECK(r[1] == 1);  // running
    CHECK(r[2] == 2);
    CHECK(r[4] == 1);
    CHECK(r[5] == 0);                        // no Modbus limit
    CHECK((r[6] << 16 | r[7]) == 70000);     // measured
    CHECK((r[8] << 16 | r[9]) == 1234);      // planned
    CHECK((r[12] << 16 | r[13]) == 1500);    // the site limit
    CHECK(r[14] == 0x8000);                  // no grid reading
    CHECK((r[18] << 16 | r[19]) == 100500);  // GH/s
    CHECK(r[100] == 0);                      // offline
    CHECK(r[110] == 1);                      // mining
    CHECK(r[111] == 0b1011);                 // online, run, enabled
    CHECK((r[114] << 16 | r[115]) == 3000);
    CHECK(r[118] == 613);                            // 0.1 °C
    CHECK(input_registers(nullptr, {}).at(1) == 5);  // starting: no tick yet
}
