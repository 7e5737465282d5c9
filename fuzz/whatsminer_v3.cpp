// Whatsminer API v3 (TCP 4433): a frame's length prefix, then the JSON replies the link
// decodes (get.device.info, get.miner.status summary, failures).
#include "adapters/miners/whatsminer/v3_link.hpp"
#include "adapters/miners/whatsminer/whatsminer_codec.hpp"
#include "fuzz/fuzz_input.hpp"

using namespace hashsink;
using namespace hashsink::miners::whatsminer;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = fuzz::text(data, size);
    if (in.size() >= 4) (void)v3_frame_length(in.data());
    auto reply = nlohmann::json::parse(in, nullptr, false);
    if (!reply.is_object()) return 0;
    // The link runs the codec inside DriverBase::guarded: an exception is a protocol error.
    try {
        Reading r;
        std::string salt;
        decode_v3_device_info(reply, r, &salt);
        decode_v3_summary(reply, r);
        (void)v3_failure(reply);
    } catch (const std::exception&) {
    }
    return 0;
}
