// Many emulated AxeOS miners from one process: each on its own loopback port with the answers
// of AxeosEmulator (the same code builds them), all served by one thread through
// transport::MultiPortHttpServer. For fleets past what one httplib server per miner allows
// (a thread pool each, and the process's open-file limit).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emulators/miners/axeos/axeos_emulator.hpp"
#include "emulators/transport/multi_port_http_server.hpp"

namespace hashsink::miners::axeos {

class AxeosFleetEmulator {
public:
    // `count` miners like `config`, hostnames "<hostname>-<i>"; the config's port is ignored.
    AxeosFleetEmulator(std::size_t count, const EmulatorConfig& config);
    ~AxeosFleetEmulator();  // stops
    AxeosFleetEmulator(const AxeosFleetEmulator&) = delete;
    AxeosFleetEmulator& operator=(const AxeosFleetEmulator&) = delete;

    // Raises the open-file limit as far as the fleet needs (a port and a connection a miner),
    // then listens on one free port a miner.
    Status start();
    void stop() { server_.stop(); }

    std::size_t size() const { return miners_.size(); }
    AxeosEmulator& miner(std::size_t i) { return *miners_.at(i); }
    std::string url(std::size_t i) const { return server_.url(i); }
    std::uint64_t requests() const { return server_.requests(); }
    std::size_t open_connections() const { return server_.open_connections(); }

private:
    EmulatorConfig config_;
    std::vector<std::unique_ptr<AxeosEmulator>> miners_;
    transport::MultiPortHttpServer server_;  // last: stops before the miners go
};

}  // namespace hashsink::miners::axeos
