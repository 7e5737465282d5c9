// JSON field readers shared by the miner families: tolerant of type drift (numbers sent as
// strings, booleans as 0/1), never throwing. They were written for AxeOS and apply to all.
#pragma once

#include "adapters/miners/axeos/axeos_codec.hpp"

namespace hashsink::miners {

using axeos::get_bool;
using axeos::get_number;
using axeos::get_string;
using axeos::parse_object;

}  // namespace hashsink::miners
