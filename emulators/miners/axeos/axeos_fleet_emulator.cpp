#include "emulators/miners/axeos/axeos_fleet_emulator.hpp"

#include "adapters/transport/open_files.hpp"

namespace hashsink::miners::axeos {

AxeosFleetEmulator::AxeosFleetEmulator(std::size_t count, const EmulatorConfig& config)
    : config_(config) {
    miners_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        EmulatorConfig one = config;
        one.hostname = config.hostname + "-" + std::to_string(i);
        one.port = 0;
        miners_.push_back(std::make_unique<AxeosEmulator>(std::move(one)));
    }
}

AxeosFleetEmulator::~AxeosFleetEmulator() { stop(); }

Status AxeosFleetEmulator::start() {
    if (find_board(config_.board) == nullptr)
        return Status::error(ErrorCode::invalid,
                             "axeos fleet emulator: unknown board '" + config_.board + "'", false);
    transport::raise_open_file_limit(2 * miners_.size() + 256);
    return server_.start(miners_.size(),
                         [this](std::size_t i, const transport::HttpRequestLine& request) {
                             return miners_[i]->answer(request);
                         },
                         {.bind = config_.bind});
}

}  // namespace hashsink::miners::axeos
