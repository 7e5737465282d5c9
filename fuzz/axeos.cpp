// AxeOS (Bitaxe, NerdQAxe): the HTTP bodies of /api/system/info and /api/system/asic, and
// the capabilities, state and set-points decoded from them.
#include "adapters/miners/axeos/axeos_codec.hpp"
#include "fuzz/fuzz_input.hpp"

using namespace hashsink;
using namespace hashsink::miners::axeos;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = fuzz::text(data, size);
    (void)parse_version(in);
    auto body = parse_object(in, "fuzz");
    if (!body) return 0;
    // The driver runs the codec inside DriverBase::guarded: an exception is a protocol error.
    try {
        auto asic = decode_asic(*body);
        const AsicOptions options = asic ? *asic : fallback_asic_options(*body);
        (void)firmware_can_pause(*body);
        const MinerCaps caps = build_caps(*body, options, true);
        (void)decode_state(*body, &options);
        (void)decode_state(*body, nullptr);
        for (const auto& level : caps.levels)
            (void)resolve_setpoint(MinerTarget{.run = true, .power_w = level.power_w}, caps);
        (void)resolve_setpoint(MinerTarget{.run = false}, caps);
    } catch (const std::exception&) {
    }
    return 0;
}
