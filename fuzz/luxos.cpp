// LuxOS (cgminer-style API on 4028): profiles, and the state from config, summary, power,
// temps, fans and version replies.
#include "adapters/miners/luxos/luxos_codec.hpp"
#include "adapters/transport/cgminer_client.hpp"
#include "fuzz/fuzz_input.hpp"

using namespace hashsink;
using namespace hashsink::miners::luxos;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto reply = transport::parse_cgminer_reply(fuzz::text(data, size), "fuzz");
    if (!reply) return 0;
    // The driver runs the codec inside DriverBase::guarded: an exception is a protocol error.
    try {
        if (auto profiles = decode_profiles(*reply)) {
            (void)usable_profiles(*profiles, false);
            (void)build_caps(*profiles, false);
            (void)build_caps(*profiles, true);
        }
        (void)decode_state(Replies{*reply, *reply, *reply, *reply, *reply, *reply});
    } catch (const std::exception&) {
    }
    return 0;
}
