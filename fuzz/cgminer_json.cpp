// cgminer-style replies (TCP 4028: cgminer, bmminer, Avalon): the repair of broken JSON, the
// reply's STATUS, and the cgminer and Avalon decoders on the result.
#include "adapters/miners/avalon/avalon_codec.hpp"
#include "adapters/miners/cgminer/cgminer_codec.hpp"
#include "adapters/transport/cgminer_client.hpp"
#include "fuzz/fuzz_input.hpp"

using namespace hashsink;
using namespace hashsink::miners;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto in = fuzz::text(data, size);
    (void)transport::repair_cgminer_json(in);
    (void)avalon::decode_mm(avalon::parse_mm_fields(in));
    auto reply = transport::parse_cgminer_reply(in, "fuzz");
    if (!reply) return 0;
    (void)transport::reply_status(*reply);
    (void)transport::check_reply(*reply, "fuzz");
    // The drivers run decoders inside DriverBase::guarded: an exception is a protocol error.
    try {
        cgminer::Reading r;
        cgminer::decode_version(*reply, r);
        cgminer::decode_summary(*reply, r);
        cgminer::decode_stats(*reply, r);
        (void)transport::first_of(*reply, "SUMMARY");
        (void)avalon::decode_mm(avalon::mm_fields(*reply));
    } catch (const std::exception&) {
    }
    return 0;
}
