// Options several commands take, each declared once with the range its value is read with.
#pragma once

#include <string>

#include "daemon/cli/cli.hpp"

namespace hashsink::app {

// Functions, not constants: the commands' option tables are built during static
// initialisation, in other files.

// --bind ADDR: the address an emulator listens on (default 127.0.0.1).
OptionSpec bind_option();
std::string bind_address(const Args& args);

// --port PORT of an emulator, 0..65535 with 0 for a free one: "<what>, 0 picks a free one
// (default <fallback>)".
OptionSpec listen_port_option(const std::string& what, int fallback);

// A TCP port to connect to: 1..65535, fallback when absent.
constexpr IntRange remote_port(long fallback) { return {1, 65535, fallback}; }

// --timeout DURATION of a Modbus request: a positive duration, 2s when absent.
OptionSpec response_timeout_option();

}  // namespace hashsink::app
