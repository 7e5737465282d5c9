// Braiins OS REST: one JSON body read as each of the bodies the driver decodes (constraints,
// details, stats, cooling, tuner state, hashboards).
#include "adapters/miners/braiins/braiins_codec.hpp"
#include "adapters/miners/json_fields.hpp"
#include "fuzz/fuzz_input.hpp"

using namespace hashsink;
using namespace hashsink::miners::braiins;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto body = miners::parse_object(fuzz::text(data, size), "fuzz");
    if (!body) return 0;
    // The driver runs the codec inside DriverBase::guarded: an exception is a protocol error.
    try {
        if (auto range = decode_power_range(*body)) (void)build_caps(*range, *body, 1);
        (void)current_power_target_w(*body);
        (void)decode_state(Bodies{*body, *body, *body, *body, *body});
    } catch (const std::exception&) {
    }
    return 0;
}
