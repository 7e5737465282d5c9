// Where a miner emulator listens; every family's EmulatorConfig starts with it.
#pragma once

#include <string>

namespace hashsink::miners::emu {

struct Listen {
    std::string bind = "127.0.0.1";
    int port = 0;  // 0: a free one (see port() after start())
};

}  // namespace hashsink::miners::emu
