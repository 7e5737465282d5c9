// Vnish: the HTTP bodies of /api/v1 (info, summary, perf-summary, autotune presets).
#include "adapters/miners/json_fields.hpp"
#include "adapters/miners/vnish/vnish_codec.hpp"
#include "fuzz/fuzz_input.hpp"

using namespace hashsink;
using namespace hashsink::miners::vnish;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parsed = nlohmann::json::parse(fuzz::text(data, size), nullptr, false);
    if (parsed.is_discarded()) return 0;
    const nlohmann::json* body = &parsed;
    // The driver runs the codec inside DriverBase::guarded: an exception is a protocol error.
    try {
        const bool throttle = has_throttle(miners::json_string(*body, "fw_version"));
        std::vector<int> pct;
        std::vector<std::string> names;
        if (auto presets = decode_presets(*body))
            (void)build_caps(*presets, throttle, &pct, &names);
        (void)decode_state(*body, *body);
        (void)current_preset(*body);
    } catch (const std::exception&) {
    }
    return 0;
}
