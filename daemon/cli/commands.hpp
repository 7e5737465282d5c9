// The subcommands of the one hashsink binary. Each takes the arguments after its name and
// returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace hashsink::app {

using CommandArgs = std::vector<std::string>;

int cmd_run(const CommandArgs& args);             // cmd_run.cpp
int cmd_check(const CommandArgs& args);           // cmd_check.cpp
int cmd_probe_sunspec(const CommandArgs& args);   // cmd_probe_sunspec.cpp
int cmd_probe_miner(const CommandArgs& args);     // cmd_probe_miner.cpp
int cmd_probe_modbus(const CommandArgs& args);    // cmd_probe_modbus.cpp
int cmd_demo(const CommandArgs& args);            // cmd_demo.cpp
int cmd_emulate_sunspec(const CommandArgs& args); // cmd_emulate_sunspec.cpp
int cmd_emulate_axeos(const CommandArgs& args);   // cmd_emulate_miners.cpp
int cmd_simulate(const CommandArgs& args);        // cmd_simulate.cpp
int cmd_emulate_antminer(const CommandArgs& args);   // cmd_emulate_miners.cpp
int cmd_emulate_shelly(const CommandArgs& args);     // cmd_emulate_miners.cpp
int cmd_emulate_tasmota(const CommandArgs& args);    // cmd_emulate_miners.cpp
int cmd_emulate_avalon(const CommandArgs& args);     // cmd_emulate_miners.cpp
int cmd_emulate_braiins(const CommandArgs& args); // cmd_emulate_miners.cpp
int cmd_emulate_luxos(const CommandArgs& args);   // cmd_emulate_miners.cpp
int cmd_emulate_vnish(const CommandArgs& args);   // cmd_emulate_miners.cpp
int cmd_emulate_whatsminer(const CommandArgs& args);  // cmd_emulate_whatsminer.cpp
int cmd_scan(const CommandArgs& args);            // cmd_scan.cpp
int cmd_fleet(const CommandArgs& args);           // cmd_fleet.cpp

}  // namespace hashsink::app
