#include <iostream>

#include "daemon/app/commands.hpp"

namespace hashsink::app {

int cmd_emulate_sunspec(const CommandArgs&) {
    std::cerr << "hashsink: not built yet\n";
    return 70;
}

}  // namespace hashsink::app
