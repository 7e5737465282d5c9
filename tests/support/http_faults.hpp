// The faults an HTTP miner emulator injects, read through a driver whose timeout is under a
// second: latency is a timeout, HTTP 500 a retryable rejection, malformed JSON a protocol
// error, and offline is unreachable with the miner shown offline. Each fault is cleared after.
#pragma once

#include <catch2/catch.hpp>

#include "daemon/core/miner.hpp"
#include "tests/support/results.hpp"

namespace hashsink::test {

template <class Driver, class Emulator>
void check_http_faults(Driver& driver, Emulator& emu) {
    emu.set_latency_ms(1000);
    CHECK(failed(driver.read_state()).code == ErrorCode::timeout);
    emu.set_latency_ms(0);

    emu.set_http_500(true);
    const Status e500 = failed(driver.read_state());
    CHECK(e500.code == ErrorCode::rejected);
    CHECK(e500.retryable);
    emu.set_http_500(false);

    emu.set_malformed_json(true);
    CHECK(failed(driver.read_state()).code == ErrorCode::protocol);
    emu.set_malformed_json(false);

    emu.set_offline(true);
    CHECK(failed(driver.read_state()).code == ErrorCode::unreachable);
    CHECK(driver.last_state().state == MinerRunState::offline);
    emu.set_offline(false);
}

}  // namespace hashsink::test
