// The JSON helpers every miner family uses: the lenient field readers of
// adapters/transport/json_fields.hpp and AxeOS's parse_object.
#pragma once

#include "adapters/miners/axeos/axeos_codec.hpp"
#include "adapters/transport/json_fields.hpp"

namespace hashsink::miners {

using axeos::parse_object;
using transport::json_bool;
using transport::json_number;
using transport::json_string;

}  // namespace hashsink::miners
